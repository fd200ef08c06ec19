// Every method on a model whose evidence sits in a known quadrant (test/fixtures/region-model.ts):
// maps peak inside it; the CAM family's maps equal their hand computations; scores and passes.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openAttributor, type AttributionMap, type Attributor } from '../../src/attribution/index.js';
import { windowStarts } from '../../src/attribution/occlusion.js';
import { InstrumentedModel } from '../../src/runtime/instrumented.js';
import { REGION, regionWorkspace } from '../fixtures/region-model.js';

let attributor: Attributor;
let image: Float32Array;
let bottomRight: Float32Array;
const { size, quadrant } = REGION;
const inQuadrant = (p: number) => Math.floor(p / size) < quadrant && p % size < quadrant;

before(async () => {
  const ws = await regionWorkspace();
  attributor = await openAttributor(ws.model, { threads: 1, maxBatch: 7 });
  image = await attributor.loadImage(join(ws.images, 'a.png'));
  bottomRight = await attributor.loadImage(join(ws.images, 'b.png'));
});
after(() => attributor.close());

function argmax(map: AttributionMap): number {
  let best = 0;
  for (let p = 1; p < map.data.length; p++) if (map.data[p]! > map.data[best]!) best = p;
  return best;
}

function means(map: AttributionMap): { inside: number; outside: number } {
  let inside = 0;
  let outside = 0;
  map.data.forEach((v, p) => (inQuadrant(p) ? (inside += v) : (outside += v)));
  return { inside: inside / (quadrant * quadrant), outside: outside / (size * size - quadrant * quadrant) };
}

test('the test image is as the fixture says: pred = bright, clean logits known', async () => {
  assert.equal(image.length, 3 * size * size);
  const pred = await attributor.bind(image, { kind: 'pred' });
  assert.equal(pred.cls, 1);
  assert.equal(pred.description, 'predicted class 1 (bright)');
  assert.equal(pred.quantity, 'logit');
  assert.ok(Math.abs(pred.clean - REGION.bright) < 1e-6);
  const dark = await attributor.bind(image, { kind: 'class', cls: 0 }, 'probability');
  const p0 = Math.exp(REGION.dark) / (Math.exp(REGION.dark) + Math.exp(REGION.bright));
  assert.ok(Math.abs(dark.clean - p0) < 1e-6);
  assert.equal(dark.description, 'class 0 (dark)');
});

test('BoundTarget.score: batches split by maxBatch, inputs untouched, same values as one by one', async () => {
  const bound = await attributor.bind(image, { kind: 'class', cls: 1 });
  const n = 17; // > maxBatch 7: three runs
  const inputs = new Float32Array(n * image.length);
  for (let i = 0; i < n; i++) inputs.set(i % 2 === 0 ? image : bottomRight, i * image.length);
  const copy = inputs.slice();
  const scores = await bound.score(inputs, n);
  assert.deepEqual(inputs, copy);
  assert.equal(scores.length, n);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(scores[i]! - REGION.bright) < 1e-6, `row ${i}: ${scores[i]}`);
  assert.deepEqual(await bound.score(inputs, 0), new Float32Array(0));
});

test('occlusion: the map is exactly the mean drop over covering windows, positive only in the bright quadrant', async () => {
  const result = await attributor.attribute(image, 'occlusion', { kind: 'pred' }, { window: 4, stride: 2 });
  assert.deepEqual(result.options, { window: 4, stride: 2, fill: 'zero' });
  assert.equal(result.passes, 1 + 7 * 7);
  assert.equal(result.map.height, size);
  assert.equal(result.map.width, size);
  assert.ok(inQuadrant(argmax(result.map)));
  // By hand: a window hides k bright pixels → the logit drops by 1.5·k/256; a pixel's value is the
  // mean over the windows covering it.
  const starts = windowStarts(size, 4, 2);
  assert.deepEqual(starts, [0, 2, 4, 6, 8, 10, 12]);
  const sum = new Float64Array(size * size);
  const count = new Float64Array(size * size);
  for (const y0 of starts) {
    for (const x0 of starts) {
      let hidden = 0;
      for (let y = y0; y < y0 + 4; y++) for (let x = x0; x < x0 + 4; x++) if (inQuadrant(y * size + x)) hidden++;
      for (let y = y0; y < y0 + 4; y++) for (let x = x0; x < x0 + 4; x++) {
        sum[y * size + x] += (1.5 * hidden) / 256;
        count[y * size + x]++;
      }
    }
  }
  result.map.data.forEach((v, p) => assert.ok(Math.abs(v - sum[p]! / count[p]!) < 1e-6, `pixel ${p}: ${v} vs ${sum[p]! / count[p]!}`));
  const { outside } = means(result.map);
  assert.ok(result.map.data[15 * size + 15] === 0 && outside < means(result.map).inside);
});

test('occlusion defaults: window ⌈H/8⌉, stride window/2; windows reach the far edge', async () => {
  const result = await attributor.attribute(image, 'occlusion', { kind: 'class', cls: 1 });
  assert.deepEqual(result.options, { window: 2, stride: 1, fill: 'zero' });
  assert.equal(result.passes, 1 + 15 * 15);
  assert.deepEqual(windowStarts(10, 4, 4), [0, 4, 6]);
  assert.deepEqual(windowStarts(8, 8, 4), [0]);
});

test('occlusion of the dark class: hiding the black part (fill mean = greyer) lowers "dark" outside the quadrant', async () => {
  const result = await attributor.attribute(bottomRight, 'occlusion', { kind: 'class', cls: 0 }, { window: 4, stride: 4, fill: 'mean' });
  assert.equal(result.options.fill, 'mean');
  // b.png is bright bottom-right: the dark evidence is everywhere else.
  assert.ok(result.map.data[0]! > 0);
  assert.ok(Math.abs(result.map.data[15 * size + 15]!) < 1e-6);
});

test('rise: seeded, deterministic, peaks in the bright quadrant; masks/cells/keep in effect', async () => {
  const options = { masks: 300, cells: 4, seed: 3 };
  const a = await attributor.attribute(image, 'rise', { kind: 'pred' }, options);
  const b = await attributor.attribute(image, 'rise', { kind: 'pred' }, options);
  assert.deepEqual(a.map.data, b.map.data);
  assert.deepEqual(a.options, { masks: 300, cells: 4, keep: 0.5, seed: 3, fill: 'zero' });
  assert.equal(a.passes, 301);
  assert.ok(inQuadrant(argmax(a.map)));
  const { inside, outside } = means(a.map);
  assert.ok(inside > 1.15 * outside, `inside ${inside} vs outside ${outside}`);
  const other = await attributor.attribute(image, 'rise', { kind: 'pred' }, { ...options, seed: 4 });
  assert.notDeepEqual(other.map.data, a.map.data);
});

test('ablation-cam: zeroing the bright channel removes the whole logit: map = ReLU(A_0) exactly', async () => {
  const result = await attributor.attribute(image, 'ablation-cam', { kind: 'pred' });
  assert.deepEqual(result.options, { layer: 'relu' });
  assert.equal(result.passes, 1 + 2);
  result.map.data.forEach((v, p) => assert.ok(Math.abs(v - (inQuadrant(p) ? 1.5 : 0)) < 1e-6, `pixel ${p}: ${v}`));
});

test('score-cam: weights = softmax of the masked scores; map by hand', async () => {
  const result = await attributor.attribute(image, 'score-cam', { kind: 'pred' });
  assert.deepEqual(result.options, { layer: 'relu', fill: 'zero' });
  assert.equal(result.passes, 1 + 2);
  // M_0 = the quadrant → the input is unchanged → s_0 = 0.375; M_1 = the rest → input all 0 → s_1 = 0.
  const w0 = Math.exp(REGION.bright) / (Math.exp(REGION.bright) + 1);
  const w1 = 1 - w0;
  result.map.data.forEach((v, p) => {
    const expected = inQuadrant(p) ? w0 * 1.5 : w1 * 0.25;
    assert.ok(Math.abs(v - expected) < 1e-5, `pixel ${p}: ${v} vs ${expected}`);
  });
  assert.ok(inQuadrant(argmax(result.map)));
});

test('cam: Σ_c w[cls,c]·A_c with the fc weights (bright = channel 0, dark = channel 1), one pass', async () => {
  const bright = await attributor.attribute(image, 'cam', { kind: 'pred' });
  assert.equal(bright.passes, 1);
  assert.deepEqual(bright.options, { layer: 'relu' });
  bright.map.data.forEach((v, p) => assert.equal(v, inQuadrant(p) ? 1.5 : 0));
  const dark = await attributor.attribute(image, 'cam', { kind: 'class', cls: 0 }, { quantity: 'probability' });
  dark.map.data.forEach((v, p) => assert.equal(v, inQuadrant(p) ? 0 : 0.25));
  assert.equal(dark.target.quantity, 'probability');
});

test('neuron target: the mean of a channel; occlusion of it peaks in the quadrant', async () => {
  const bound = await attributor.bind(image, { kind: 'neuron', layer: 'relu', channel: 0 });
  assert.equal(bound.quantity, 'activation');
  assert.equal(bound.cls, undefined);
  assert.equal(bound.description, 'neuron relu:0');
  assert.ok(Math.abs(bound.clean - REGION.bright) < 1e-6);
  const result = await attributor.attribute(image, 'occlusion', { kind: 'neuron', layer: 'relu', channel: 0 }, { window: 4, stride: 4 });
  assert.ok(inQuadrant(argmax(result.map)));
  assert.equal(result.map.data[15 * size + 15], 0);
});

test('one session for every image: re-instrumented only when a method first needs a new layer', async () => {
  const ws = await regionWorkspace();
  const original = InstrumentedModel.create;
  const specs: string[] = [];
  InstrumentedModel.create = ((model, spec, options) => {
    specs.push(`${(spec.taps ?? []).length} taps, ${(spec.interventions ?? []).length} interventions`);
    return original.call(InstrumentedModel, model, spec, options);
  }) as typeof InstrumentedModel.create;
  const own = await openAttributor(ws.model, { threads: 1 });
  try {
    for (let i = 0; i < 3; i++) await own.attribute(i % 2 ? image : bottomRight, 'occlusion', { kind: 'pred' }, { window: 8, stride: 8 });
    assert.deepEqual(specs, ['0 taps, 0 interventions']);
    for (let i = 0; i < 3; i++) await own.attribute(i % 2 ? image : bottomRight, 'ablation-cam', { kind: 'pred' });
    await own.attribute(image, 'cam', { kind: 'pred' });
    await own.attribute(image, 'occlusion', { kind: 'pred' }, { window: 8, stride: 8 });
    assert.deepEqual(specs, ['0 taps, 0 interventions', '1 taps, 1 interventions']);
  } finally {
    InstrumentedModel.create = original;
    await own.close();
  }
});

test('NHWC models: every method gives the same maps as the NCHW model', async () => {
  const ws = await regionWorkspace('NHWC');
  const nhwc = await openAttributor(ws.model, { threads: 1, maxBatch: 7 });
  try {
    assert.equal(nhwc.preprocessing.layout, 'NHWC');
    const input = await nhwc.loadImage(join(ws.images, 'a.png'));
    const cases = [
      ['occlusion', { window: 4, stride: 2, fill: 'blur' }],
      ['rise', { masks: 40, cells: 4, fill: 'mean' }],
      ['score-cam', {}],
      ['ablation-cam', {}],
      ['cam', {}],
    ] as const;
    for (const [method, options] of cases) {
      const a = await attributor.attribute(image, method, { kind: 'pred' }, options);
      const b = await nhwc.attribute(input, method, { kind: 'pred' }, options);
      a.map.data.forEach((v, p) => assert.ok(Math.abs(v - b.map.data[p]!) < 1e-5, `${method} pixel ${p}: ${v} vs ${b.map.data[p]}`));
    }
  } finally {
    await nhwc.close();
  }
});

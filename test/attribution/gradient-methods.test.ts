// The input-gradient methods on the quadrant model (test/fixtures/region-model.ts), whose gradient
// is known by hand: logit 1 = mean over pixels of relu(r+g+b − 1.5), so ∂logit1/∂x_c = 1/256 on
// every channel of a pixel where r+g+b > 1.5 and 0 elsewhere; logit 0 = mean of relu(0.25 − r−g−b),
// so ∂logit0/∂x_c = −1/256 where r+g+b < 0.25. Plus IG's completeness on a smooth target, costs,
// determinism, and FullGrad's bias parts by hand.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openAttributor, type AttributionMap, type Attributor } from '../../src/attribution/index.js';
import { biasLayers } from '../../src/attribution/fullgrad.js';
import { pathBaseline } from '../../src/attribution/integrated-gradients.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { encodeModel } from '../../src/onnx/codec.js';
import { Random } from '../../src/util/random.js';
import { REGION, regionModel, regionWorkspace } from '../fixtures/region-model.js';
import { conv, head, tinyResNet, Weights } from '../fixtures/tiny-models.js';

const { size, quadrant } = REGION;
const pixels = size * size;
const inQuadrant = (p: number) => Math.floor(p / size) < quadrant && p % size < quadrant;
const bright = { kind: 'class', cls: 1 } as const;
const GRADIENT_METHODS = ['gradient', 'grad-x-input', 'integrated-gradients', 'smoothgrad', 'smoothgrad-sq', 'vargrad', 'guided-backprop', 'fullgrad'];

let attributor: Attributor;
let nhwc: Attributor;
let image: Float32Array;
let nhwcImage: Float32Array;

before(async () => {
  const ws = await regionWorkspace();
  attributor = await openAttributor(ws.model, { threads: 1, maxBatch: 7 });
  image = await attributor.loadImage(join(ws.images, 'a.png'));
  const wsNhwc = await regionWorkspace('NHWC');
  nhwc = await openAttributor(wsNhwc.model, { threads: 1, maxBatch: 7 });
  nhwcImage = await nhwc.loadImage(join(wsNhwc.images, 'a.png'));
});
after(async () => {
  await attributor.close();
  await nhwc.close();
});

/** The quadrant image with every value `level` inside the quadrant (0 outside), NCHW. */
function quadrantImage(level: number): Float32Array {
  const out = new Float32Array(3 * pixels);
  for (let c = 0; c < 3; c++) for (let p = 0; p < pixels; p++) if (inQuadrant(p)) out[c * pixels + p] = level;
  return out;
}

function argmax(map: AttributionMap): number {
  let best = 0;
  for (let p = 1; p < map.data.length; p++) if (map.data[p]! > map.data[best]!) best = p;
  return best;
}

function means(map: AttributionMap): { inside: number; outside: number } {
  let inside = 0;
  let outside = 0;
  map.data.forEach((v, p) => (inQuadrant(p) ? (inside += v) : (outside += v)));
  return { inside: inside / (quadrant * quadrant), outside: outside / (pixels - quadrant * quadrant) };
}

const close = (a: number, b: number, tol = 1e-7) => Math.abs(a - b) <= tol;

test('every gradient method: the map of "bright" peaks in the bright quadrant (VarGrad on a dimmer quadrant near the ReLU kink)', async () => {
  for (const method of GRADIENT_METHODS) {
    // On the white quadrant the gradient is constant under noise, so its variance is 0 everywhere
    // (checked below); at level 0.6 (r+g+b = 1.8, just above the kink at 1.5) the noise flips it.
    const input = method === 'vargrad' ? quadrantImage(0.6) : image;
    const options = method === 'vargrad' ? { noise: 0.3 } : {};
    const result = await attributor.attribute(input, method, bright, options);
    assert.ok(inQuadrant(argmax(result.map)), `${method}: peak at ${argmax(result.map)}`);
    const { inside, outside } = means(result.map);
    assert.ok(inside > outside, `${method}: inside ${inside} vs outside ${outside}`);
    assert.equal(result.inputGradient?.length, 3 * pixels, method);
  }
  const flat = await attributor.attribute(image, 'vargrad', bright);
  assert.ok(flat.map.data.every((v) => v === 0));
});

test('gradient-only methods on target pred: no clean pass; the class the gradient graph picks, its value and the map equal the explicit class target', async () => {
  const dark = new Float32Array(3 * pixels); // logit 0 = 0.25 > logit 1 = 0
  for (const [input, cls] of [[image, 1], [dark, 0]] as const) {
    for (const quantity of ['logit', 'probability'] as const) {
      const bound = await attributor.bind(input, { kind: 'pred' }, quantity);
      for (const method of ['gradient', 'grad-x-input', 'guided-backprop', 'fullgrad']) {
        const pred = await attributor.attribute(input, method, { kind: 'pred' }, { quantity });
        const explicit = await attributor.attribute(input, method, { kind: 'class', cls }, { quantity });
        assert.equal(pred.target.cls, cls, method);
        assert.equal(pred.target.description, bound.description);
        assert.equal(pred.target.quantity, quantity);
        assert.deepEqual(pred.map.data, explicit.map.data, method);
        assert.equal(pred.target.clean, explicit.target.clean);
        assert.ok(Math.abs(pred.target.clean - bound.clean) <= 1e-6, `${method}: ${pred.target.clean} vs clean pass ${bound.clean}`);
        assert.equal(pred.passes, 1);
      }
    }
  }
});

test('gradient = the hand computation for both classes; the raw gradient is signed, the map max |·| over channels', async () => {
  const up = await attributor.attribute(image, 'gradient', bright);
  const down = await attributor.attribute(image, 'gradient', { kind: 'class', cls: 0 });
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < pixels; p++) {
      assert.equal(up.inputGradient![c * pixels + p], inQuadrant(p) ? 1 / 256 : 0, `bright c${c} p${p}`);
      assert.equal(down.inputGradient![c * pixels + p], inQuadrant(p) ? 0 : -1 / 256, `dark c${c} p${p}`);
    }
  }
  up.map.data.forEach((v, p) => assert.equal(v, inQuadrant(p) ? 1 / 256 : 0));
  down.map.data.forEach((v, p) => assert.equal(v, inQuadrant(p) ? 0 : 1 / 256));
  // Gradient-only methods: no clean pass, the gradient pass gives the value.
  assert.deepEqual([up.passes, up.backward], [1, 1]);
  // Costs: the clean pass + one gradient image per step/sample.
  const ig = await attributor.attribute(image, 'integrated-gradients', bright, { steps: 10 });
  assert.deepEqual([ig.passes, ig.backward], [1 + 11, 11]);
  const sg = await attributor.attribute(image, 'smoothgrad', bright, { samples: 9 });
  assert.deepEqual([sg.passes, sg.backward], [1 + 9, 9]);
  const occlusion = await attributor.attribute(image, 'occlusion', bright, { window: 8, stride: 8 });
  assert.equal(occlusion.backward, 0);
  assert.equal(occlusion.inputGradient, undefined);
});

test('grad-x-input = Σ_c x·∂f/∂x (signed) by hand', async () => {
  const result = await attributor.attribute(image, 'grad-x-input', bright);
  result.map.data.forEach((v, p) => assert.ok(close(v, inQuadrant(p) ? 3 / 256 : 0), `pixel ${p}: ${v}`));
});

// The NHWC model transposes its input first: it needs the Transpose backward rule.
test('NHWC models give the same maps and [C,H,W] raw gradients', async () => {
  for (const method of ['gradient', 'grad-x-input', 'integrated-gradients', 'smoothgrad', 'guided-backprop', 'fullgrad']) {
    const a = await attributor.attribute(image, method, bright);
    const b = await nhwc.attribute(nhwcImage, method, bright);
    a.map.data.forEach((v, p) => assert.ok(close(v, b.map.data[p]!, 1e-6), `${method} pixel ${p}: ${v} vs ${b.map.data[p]}`));
    a.inputGradient!.forEach((v, i) => assert.ok(close(v, b.inputGradient![i]!, 1e-7), `${method} raw ${i}`));
  }
});

test('integrated-gradients on the quadrant model: exact along the zero path (midpoints never hit the kink at α = ½)', async () => {
  const result = await attributor.attribute(image, 'integrated-gradients', bright, { steps: 64 });
  assert.deepEqual(result.options, { steps: 64, baseline: 'zero', seed: 0 });
  // The bright channel is active for α > ½: half the midpoints, so attribution = x·(1/256)·½ per channel.
  result.map.data.forEach((v, p) => assert.ok(close(v, inQuadrant(p) ? 1.5 / 256 : 0), `pixel ${p}: ${v}`));
  const d = result.diagnostics!;
  assert.ok(close(d.attributionSum!, REGION.bright, 1e-6) && close(d.scoreDelta!, REGION.bright, 1e-6), JSON.stringify(d));
  assert.ok(d.completenessError! < 1e-6 && d.completenessRelative! < 1e-5, JSON.stringify(d));
  // Raw = the path-averaged gradient.
  for (let p = 0; p < pixels; p++) assert.ok(close(result.inputGradient![p]!, inQuadrant(p) ? 0.5 / 256 : 0));
});

/** A seeded conv net (two 3×3 conv+ReLU, GAP, linear head of 5 classes) and its workspace. */
function smoothWorkspace(): string {
  const g = new GraphBuilder({ name: 'smooth' });
  const w = new Weights(g, new Random(11));
  let x = g.input('input', ['batch', 3, 16, 16]);
  x = conv(w, 'c1', x, 3, 6, 3, 1, true);
  x = g.node('Relu', [x], {}, { name: '/r1/Relu' });
  x = conv(w, 'c2', x, 6, 6, 3, 1, true);
  x = g.node('Relu', [x], {}, { name: '/r2/Relu' });
  head(w, x, 6);
  const dir = mkdtempSync(join(tmpdir(), 'neurolens-ig-'));
  writeFileSync(join(dir, 'smooth.onnx'), encodeModel(g.build()));
  writeFileSync(join(dir, 'smooth.json'), JSON.stringify({ inputSize: 16, mean: [0, 0, 0], std: [1, 1, 1], resize: 'stretch' }));
  return join(dir, 'smooth.onnx');
}

test('integrated-gradients: completeness error ≤ 1 % with 64 steps on a conv net, every baseline; the same map whatever maxBatch', async () => {
  const model = smoothWorkspace();
  const small = await openAttributor(model, { threads: 1, maxBatch: 7 });
  const large = await openAttributor(model, { threads: 1, maxBatch: 128 });
  try {
    const input = new Random(5).normalArray(3 * pixels, 1);
    // Every baseline on the logit; the probability (through the softmax's backward rule) from zero,
    // where the path changes it by far more than the float32 noise a relative error would amplify.
    const cases = [...(['zero', 'blur', 'mean', 'noise'] as const).map((b) => [b, 'logit'] as const), ['zero', 'probability'] as const];
    for (const [baseline, quantity] of cases) {
      const result = await small.attribute(input, 'integrated-gradients', { kind: 'pred' }, { steps: 64, baseline, quantity });
      const d = result.diagnostics!;
      assert.ok(Math.abs(d.scoreDelta!) > 1e-3, `${baseline}: the path must change the target (${d.scoreDelta})`);
      assert.ok(d.completenessRelative! <= 0.01, `${quantity} ${baseline}: ${JSON.stringify(d)}`);
      assert.ok(close(d.completenessError!, Math.abs(d.attributionSum! - d.scoreDelta!), 1e-9));
      const sum = result.map.data.reduce((a, v) => a + v, 0);
      assert.ok(close(sum, d.attributionSum!, 1e-5 * Math.max(1, Math.abs(sum))), `map sum ${sum} vs ${d.attributionSum}`);
      const again = await large.attribute(input, 'integrated-gradients', { kind: 'pred' }, { steps: 64, baseline, quantity });
      result.map.data.forEach((v, p) => assert.ok(close(v, again.map.data[p]!, 1e-6), `${baseline} maxBatch pixel ${p}`));
    }
  } finally {
    await small.close();
    await large.close();
  }
});

test('path baselines: zero, the per-channel mean, a strong blur, seeded noise with the image statistics', () => {
  const shape = { channels: 3, height: size, width: size, layout: 'NCHW' } as const;
  assert.ok(pathBaseline(image, shape, 'zero', 0).every((v) => v === 0));
  assert.ok(pathBaseline(image, shape, 'mean', 0).every((v) => close(v, 0.25)));
  const blur = pathBaseline(image, shape, 'blur', 0);
  // σ = 1.6 px (mirrored borders): the quadrant's far corner stays, its edge is smeared both ways.
  const [corner, inner, outer] = [blur[0]!, blur[3 * size + 7]!, blur[3 * size + 8]!];
  assert.ok(close(corner, 1, 1e-3) && inner > 0.5 && inner < 0.95 && outer > 0.05 && outer < 0.5, `${corner} ${inner} ${outer}`);
  const a = pathBaseline(image, shape, 'noise', 3);
  assert.deepEqual(a, pathBaseline(image, shape, 'noise', 3));
  assert.notDeepEqual(a, pathBaseline(image, shape, 'noise', 4));
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  const std = Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
  assert.ok(Math.abs(mean - 0.25) < 0.05 && Math.abs(std - Math.sqrt(0.25 * 0.75)) < 0.05, `noise mean ${mean} std ${std}`);
});

test('smoothgrad family and the noise baseline: the same seed gives identical maps, another seed another map', async () => {
  const dim = quadrantImage(0.6);
  for (const [method, options] of [['smoothgrad', { noise: 0.3 }], ['smoothgrad-sq', { noise: 0.3 }], ['vargrad', { noise: 0.3 }], ['integrated-gradients', { baseline: 'noise', steps: 8 }]] as const) {
    const a = await attributor.attribute(dim, method, bright, { ...options, seed: 1 });
    const b = await attributor.attribute(dim, method, bright, { ...options, seed: 1 });
    assert.deepEqual(a.map.data, b.map.data, method);
    const c = await attributor.attribute(dim, method, bright, { ...options, seed: 2 });
    assert.notDeepEqual(a.map.data, c.map.data, method);
  }
  const sg = await attributor.attribute(dim, 'smoothgrad', bright);
  assert.deepEqual(sg.options, { samples: 25, noise: 0.15, seed: 0 });
  // σ = 0: every sample is the image, so SmoothGrad is the gradient, SmoothGrad² its square, VarGrad 0.
  const plain = await attributor.attribute(image, 'gradient', bright);
  const noNoise = { noise: 0, samples: 3 };
  assert.deepEqual((await attributor.attribute(image, 'smoothgrad', bright, noNoise)).map.data, plain.map.data);
  const sq = await attributor.attribute(image, 'smoothgrad-sq', bright, noNoise);
  sq.map.data.forEach((v, p) => assert.ok(close(v, plain.map.data[p]! ** 2, 1e-12)));
});

test('fullgrad: ψ(|∇f ⊙ x|) + ψ(|∂f/∂z ⊙ b|) of the conv by hand; neuron targets use only the layers before them', async () => {
  const result = await attributor.attribute(image, 'fullgrad', bright);
  // Input part: 1/256 on every channel in the quadrant → rescaled to 1, summed over 3 channels = 3.
  // Bias part: ∂f/∂z₀ = 1/256 in the quadrant, b₀ = −1.5; channel 1 gets no gradient → 1 there.
  result.map.data.forEach((v, p) => assert.ok(close(v, inQuadrant(p) ? 4 : 0, 1e-6), `pixel ${p}: ${v}`));
  assert.deepEqual(result.diagnostics, { biasLayers: 1 });
  assert.deepEqual([result.passes, result.backward], [1, 1]);
  const neuron = await attributor.attribute(image, 'fullgrad', { kind: 'neuron', layer: 'relu', channel: 0 });
  assert.ok(inQuadrant(argmax(neuron.map)));
});

test('fullgrad bias layers: conv biases and batch-norm shifts β − mean·γ/√(var + ε), in graph order', () => {
  const model = tinyResNet();
  const layers = biasLayers(model);
  const bns = model.graph!.node!.filter((n) => n.opType === 'BatchNormalization');
  assert.deepEqual(layers.map((l) => l.node), bns.map((n) => n.name));
  const init = (name: string) => model.graph!.initializer!.find((t) => t.name === name)!;
  const values = (name: string) => new Float32Array(init(name).rawData!.slice().buffer);
  const [, g, b, m, v] = bns[0]!.input!.map((n, i) => (i === 0 ? new Float32Array() : values(n)));
  layers[0]!.bias.forEach((shift, c) => assert.ok(close(shift, b![c]! - (m![c]! * g![c]!) / Math.sqrt(v![c]! + 1e-5), 1e-6)));
  assert.deepEqual(biasLayers(regionModel()).map((l) => [l.node, [...l.bias]]), [['/conv/Conv', [-1.5, 0.25]]]);
});

// Guided IG: on a model linear in its input the adaptive path still ends at the input, so the map
// is exactly Σ_c x·∂f/∂x; on the quadrant model it peaks in the bright quadrant and its total is
// f(x) − f(0); NHWC gives the NCHW maps; the quantile selection against a sort.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { openAttributor } from '../../src/attribution/index.js';
import { selectNth } from '../../src/attribution/guided-ig.js';
import { GraphBuilder, floatAttr } from '../../src/onnx/builder.js';
import { Random } from '../../src/util/random.js';
import { REGION, regionWorkspace } from '../fixtures/region-model.js';
import { randomImages, writeTempModel } from '../fixtures/tiny-models.js';

const { size, quadrant } = REGION;
const inQuadrant = (p: number) => Math.floor(p / size) < quadrant && p % size < quadrant;

/** logits = Gemm(Flatten(GAP(Conv1×1(x)))): f_k = fc[k]·Σ_c w_c·mean(x_c), linear in x. */
const W = [0.5, -1, 2];
const FC = [1.5, -0.75];
function linearModel() {
  const g = new GraphBuilder({ name: 'linear' });
  const x = g.input('input', ['batch', 3, 8, 8]);
  const conv = g.node('Conv', [x, g.initializer('conv.weight', Float32Array.from(W), [1, 3, 1, 1])], { kernel_shape: [1, 1] }, { name: '/conv/Conv' });
  const pooled = g.node('GlobalAveragePool', [conv], {}, { name: '/avgpool/GlobalAveragePool' });
  const flat = g.node('Flatten', [pooled], { axis: 1 }, { name: '/Flatten' });
  const logits = g.node('Gemm', [flat, g.initializer('fc.weight', Float32Array.from(FC), [2, 1])], { alpha: floatAttr(1), transB: 1 }, { name: '/fc/Gemm', outputs: ['logits'] });
  g.output(logits, ['batch', 2]);
  return g.build();
}

test('linear model: every feature travels exactly from 0 to its input value, so the map is Σ_c x_c·w_c·fc[k]/64', async () => {
  const attributor = await openAttributor(writeTempModel(linearModel(), 'linear'), { threads: 1 });
  try {
    const image = randomImages(1, 8, 9);
    for (const [cls, options] of [[0, {}], [1, { steps: 7, fraction: 0.5 }]] as const) {
      const result = await attributor.attribute(image, 'guided-ig', { kind: 'class', cls }, options);
      const steps = 'steps' in options ? options.steps : 200;
      assert.equal(result.passes, 1 + steps);
      assert.deepEqual(result.options, { steps, fraction: 'fraction' in options ? options.fraction : 0.25 });
      result.map.data.forEach((v, p) => {
        const expected = (W.reduce((s, w, c) => s + w * image[c * 64 + p]!, 0) * FC[cls]!) / 64;
        assert.ok(Math.abs(v - expected) < 1e-5, `class ${cls} pixel ${p}: ${v} vs ${expected}`);
      });
    }
    await assert.rejects(attributor.attribute(image, 'guided-ig', { kind: 'pred' }, { fraction: 0 }), /--fraction must be a number in \(0, 1\], got 0/);
  } finally {
    await attributor.close();
  }
});

test('quadrant model: guided-ig peaks in the bright quadrant, is 0 where the input equals the baseline, totals f(x) − f(0)', async () => {
  const ws = await regionWorkspace();
  const attributor = await openAttributor(ws.model, { threads: 1 });
  try {
    const image = await attributor.loadImage(join(ws.images, 'a.png'));
    const result = await attributor.attribute(image, 'guided-ig', { kind: 'pred' });
    let best = 0;
    let total = 0;
    result.map.data.forEach((v, p) => {
      if (v > result.map.data[best]!) best = p;
      if (!inQuadrant(p)) assert.equal(v, 0, `pixel ${p}`);
      total += v;
    });
    assert.ok(inQuadrant(best));
    // f(0) = 0: the black image fires neither channel; the left Riemann sum of 200 steps is within 2 %.
    assert.ok(Math.abs(total - REGION.bright) < 0.02 * REGION.bright, `total ${total} vs ${REGION.bright}`);
  } finally {
    await attributor.close();
  }
});

test(
  'NHWC model: guided-ig, dga and grad-cam give the NCHW model\'s maps (channels summed per pixel in either layout)',
  async () => {
    const [a, b] = await Promise.all([regionWorkspace('NCHW'), regionWorkspace('NHWC')]);
    const [nchw, nhwc] = await Promise.all([openAttributor(a.model, { threads: 1 }), openAttributor(b.model, { threads: 1 })]);
    try {
      const [x, y] = await Promise.all([nchw.loadImage(join(a.images, 'a.png')), nhwc.loadImage(join(b.images, 'a.png'))]);
      for (const [method, options] of [['guided-ig', { steps: 20 }], ['dga', { steps: 8, topQ: 10 }], ['grad-cam', {}]] as const) {
        const m1 = await nchw.attribute(x, method, { kind: 'pred' }, options);
        const m2 = await nhwc.attribute(y, method, { kind: 'pred' }, options);
        m1.map.data.forEach((v, p) => assert.ok(Math.abs(v - m2.map.data[p]!) < 1e-6, `${method} pixel ${p}: ${v} vs ${m2.map.data[p]}`));
      }
    } finally {
      await Promise.all([nchw.close(), nhwc.close()]);
    }
  },
);

test('selectNth: the k-th smallest, as a sort says, with ties and infinities', () => {
  const rng = new Random(4);
  for (const n of [1, 2, 7, 100, 1001]) {
    const values = Float64Array.from({ length: n }, (_, i) => (i % 5 === 0 ? Infinity : Math.round(rng.next() * 20)));
    const sorted = values.slice().sort();
    for (const k of [0, Math.floor(n / 4), n - 1]) assert.equal(selectNth(values.slice(), k), sorted[k], `n ${n} k ${k}`);
  }
});

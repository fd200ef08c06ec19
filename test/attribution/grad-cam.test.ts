// The layer-gradient CAMs (grad-cam, grad-cam++, hirescam, layercam, xgrad-cam): their definitions
// computed by hand on the quadrant model and on a model whose layer gradient is a known weight
// matrix; neuron and circuit targets; ViT token layers placed on the patch grid.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openAttributor, type AttributionMap, type Attributor } from '../../src/attribution/index.js';
import { GradientModel } from '../../src/grad/model.js';
import { openModel } from '../../src/model/open.js';
import { upsampleBilinear } from '../../src/maps/region.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import type { ModelProto } from '../../src/onnx/types.js';
import { InstrumentedModel } from '../../src/runtime/instrumented.js';
import { Random } from '../../src/util/random.js';
import { REGION, regionWorkspace } from '../fixtures/region-model.js';
import { randomImages, tinyVit, TINY_VIT, writeTempModel } from '../fixtures/tiny-models.js';

const CAMS = ['grad-cam', 'grad-cam++', 'hirescam', 'layercam', 'xgrad-cam'] as const;
const { size, quadrant } = REGION;
const inQuadrant = (p: number) => Math.floor(p / size) < quadrant && p % size < quadrant;

let region: Attributor;
let regionDir: string;
let bright: Float32Array;

before(async () => {
  const ws = await regionWorkspace();
  regionDir = ws.dir;
  region = await openAttributor(ws.model, { threads: 1 });
  bright = await region.loadImage(join(ws.images, 'a.png'));
});
after(() => region.close());

function assertClose(actual: AttributionMap, expected: ArrayLike<number>, label: string, tolerance = 1e-6): void {
  assert.equal(actual.data.length, expected.length, label);
  let scale = 0;
  for (let p = 0; p < expected.length; p++) scale = Math.max(scale, Math.abs(expected[p]!));
  actual.data.forEach((v, p) => assert.ok(Math.abs(v - expected[p]!) <= tolerance * Math.max(1, scale), `${label} pixel ${p}: ${v} vs ${expected[p]}`));
}

test('quadrant model: grad-cam is Σ_c mean(G_c)·A_c through ReLU, the weights W[cls,c]/(H·W) by hand; one gradient pass', async () => {
  // Layer relu: A_0 = 1.5 on the quadrant, A_1 = 0.25 elsewhere; logit k = mean of channel 1−k, so
  // G_c = W[k,c]/256 everywhere: class 1 weighs channel 0 by 1/256, class 0 channel 1.
  const positions = size * size;
  for (const [cls, expected] of [
    [1, (p: number) => (inQuadrant(p) ? 1.5 / positions : 0)],
    [0, (p: number) => (inQuadrant(p) ? 0 : 0.25 / positions)],
  ] as const) {
    const result = await region.attribute(bright, 'grad-cam', { kind: 'class', cls });
    assert.deepEqual(result.options, { layer: 'relu' });
    assert.equal(result.passes, 1);
    assertClose(result.map, Array.from({ length: positions }, (_, p) => expected(p)), `class ${cls}`);
  }
});

test('quadrant model: every layer-gradient CAM peaks in the bright quadrant and is 0 outside it', async () => {
  for (const method of CAMS) {
    const result = await region.attribute(bright, method, { kind: 'pred' });
    assert.equal(result.passes, 1, method);
    let best = 0;
    result.map.data.forEach((v, p) => {
      if (v > result.map.data[best]!) best = p;
      if (!inQuadrant(p)) assert.equal(v, 0, `${method} pixel ${p}`);
    });
    assert.ok(inQuadrant(best) && result.map.data[best]! > 0, method);
  }
});

test('neuron and circuit targets: grad-cam weighs exactly the target\'s channels (1/positions each)', async () => {
  const positions = size * size;
  const a0 = (p: number) => (inQuadrant(p) ? 1.5 : 0);
  const a1 = (p: number) => (inQuadrant(p) ? 0 : 0.25);
  const n0 = await region.attribute(bright, 'grad-cam', { kind: 'neuron', layer: 'relu', channel: 0 });
  assert.equal(n0.target.quantity, 'activation');
  assertClose(n0.map, Array.from({ length: positions }, (_, p) => a0(p) / positions), 'neuron relu:0');
  const n1 = await region.attribute(bright, 'grad-cam', { kind: 'neuron', layer: 'relu', channel: 1 });
  assertClose(n1.map, Array.from({ length: positions }, (_, p) => a1(p) / positions), 'neuron relu:1');
  const file = join(regionDir, 'both.json');
  writeFileSync(file, JSON.stringify({ circuits: [{ nodes: [{ layer: 'relu', channel: 0 }, { layer: 'relu', channel: 1 }] }] }));
  const circuit = await region.attribute(bright, 'grad-cam', { kind: 'circuit', file });
  assertClose(circuit.map, Array.from({ length: positions }, (_, p) => (a0(p) + a1(p)) / positions), 'circuit');
});

/**
 * input [N,3,8,8] → Conv 2×2 stride 2 (3→2, bias) → Relu ('relu', 2×4×4) → Flatten → Gemm(3×32, no
 * bias): logit k = Σ W[k, c·16+p]·A[c,p], so the gradient at relu is W[k] itself, position by position.
 */
const rng = new Random(21);
const CONV_W = rng.normalArray(24, 0.6);
const CONV_B = Float32Array.from([0.3, -0.1]);
const FC_W = rng.normalArray(96, 1);

function flatModel(): ModelProto {
  const g = new GraphBuilder({ name: 'flat-head' });
  const x = g.input('input', ['batch', 3, 8, 8]);
  const conv = g.node('Conv', [x, g.initializer('conv.weight', CONV_W, [2, 3, 2, 2]), g.initializer('conv.bias', CONV_B, [2])], { kernel_shape: [2, 2], strides: [2, 2] }, { name: '/conv/Conv' });
  const relu = g.node('Relu', [conv], {}, { name: '/relu/Relu' });
  const flat = g.node('Flatten', [relu], { axis: 1 }, { name: '/Flatten' });
  g.output(g.node('Gemm', [flat, g.initializer('fc.weight', FC_W, [3, 32])], { transB: 1 }, { name: '/fc/Gemm', outputs: ['logits'] }), ['batch', 3]);
  return g.build();
}

/** A[c][p] of the flat model on `image`, by hand. */
function flatActivations(image: Float32Array): number[][] {
  return [0, 1].map((c) =>
    Array.from({ length: 16 }, (_, p) => {
      const [y, x] = [Math.floor(p / 4), p % 4];
      let sum = CONV_B[c]!;
      for (let ci = 0; ci < 3; ci++) for (let ky = 0; ky < 2; ky++) for (let kx = 0; kx < 2; kx++) {
        sum += CONV_W[((c * 3 + ci) * 2 + ky) * 2 + kx]! * image[ci * 64 + (2 * y + ky) * 8 + 2 * x + kx]!;
      }
      return Math.max(0, sum);
    }),
  );
}

const sum = (v: readonly number[]) => v.reduce((a, b) => a + b, 0);
const relu = (v: number) => Math.max(0, v);

/** Each CAM's 4×4 map from A and G, written out from the papers' formulas. */
const BY_HAND: Record<(typeof CAMS)[number], (a: number[][], g: number[][]) => number[]> = {
  'grad-cam': (a, g) => {
    const w = g.map((gc) => sum(gc) / 16);
    return a[0]!.map((_, p) => relu(w[0]! * a[0]![p]! + w[1]! * a[1]![p]!));
  },
  'grad-cam++': (a, g) => {
    const w = g.map((gc, c) => sum(gc.map((gp) => (gp > 0 ? (gp * gp * gp) / (2 * gp * gp + sum(a[c]!) * gp * gp * gp) : 0))));
    return a[0]!.map((_, p) => relu(w[0]! * a[0]![p]! + w[1]! * a[1]![p]!));
  },
  hirescam: (a, g) => a[0]!.map((_, p) => relu(a[0]![p]! * g[0]![p]! + a[1]![p]! * g[1]![p]!)),
  layercam: (a, g) => a[0]!.map((_, p) => relu(a[0]![p]! * relu(g[0]![p]!) + a[1]![p]! * relu(g[1]![p]!))),
  'xgrad-cam': (a, g) => {
    const w = a.map((ac, c) => (sum(ac) === 0 ? 0 : sum(ac.map((v, p) => v * g[c]![p]!)) / sum(ac)));
    return a[0]!.map((_, p) => relu(w[0]! * a[0]![p]! + w[1]! * a[1]![p]!));
  },
};

const PAIRS = CAMS.flatMap((x, i) => CAMS.slice(i + 1).map((y) => [x, y] as const));
const equal = (x: Float32Array, y: Float32Array) => x.every((v, i) => Math.abs(v - y[i]!) < 1e-6);

test('known layer gradients (Flatten → Gemm head): every CAM equals its formula by hand, upsampled 4×4 → 8×8', async () => {
  const attributor = await openAttributor(writeTempModel(flatModel(), 'flat'), { threads: 1 });
  try {
    const image = randomImages(1, 8, 5);
    const a = flatActivations(image);
    const told = new Set<string>();
    assert.ok(a.every((ac) => ac.some((v) => v === 0) && ac.some((v) => v > 0)), 'both channels are partly cut by the ReLU');
    for (let cls = 0; cls < 3; cls++) {
      const g = [0, 1].map((c) => Array.from(FC_W.subarray(cls * 32 + c * 16, cls * 32 + c * 16 + 16)));
      const maps: Record<string, Float32Array> = {};
      for (const method of CAMS) {
        const result = await attributor.attribute(image, method, { kind: 'class', cls });
        assert.deepEqual(result.options, { layer: 'relu' });
        const expected = upsampleBilinear({ data: Float32Array.from(BY_HAND[method](a, g)), height: 4, width: 4 }, 8, 8);
        assertClose(result.map, expected, `${method} class ${cls}`, 1e-5);
        maps[method] = result.map.data;
      }
      for (const [x, y] of PAIRS) if (!equal(maps[x]!, maps[y]!)) told.add(`${x}/${y}`);
    }
    // The definitions differ on this model, so the comparisons above tell the methods apart.
    assert.deepEqual([...told].sort(), PAIRS.map(([x, y]) => `${x}/${y}`).sort());
  } finally {
    await attributor.close();
  }
});

test(
  'ViT: grad-cam on a token layer places patch tokens on the 4×4 grid (class token dropped), from the gradient graph\'s own A and G',
  async () => {
    const vit = tinyVit();
    const { grid, dim, tokens } = TINY_VIT;
    const image = randomImages(1, 16, 11);
    const path = writeTempModel(vit, 'vit');
    const tensor = (await openModel(path)).summary.layers.find((l) => l.id === 'blocks.0')!.tensor;
    const attributor = await openAttributor(path, { threads: 1 });
    const gm = await GradientModel.create(vit, { targets: [{ tensor: 'logits' }], wrt: [tensor] });
    const taps = await InstrumentedModel.create(vit, { taps: ['logits'] });
    try {
      const logits = (await taps.run({ input: { data: image.slice(), dims: [1, 3, 16, 16] } }, { taps: ['logits'] })).taps.logits!.data as Float32Array;
      const cls = logits.indexOf(Math.max(...logits));
      const seed = new Float32Array(logits.length);
      seed[cls] = 1;
      const out = await gm.run({ input: { data: image.slice(), dims: [1, 3, 16, 16] } }, [{ data: seed, dims: [1, logits.length] }]);
      const [a, g] = [out.values[tensor]!, out.grads[tensor]!].map((t) => t.data as Float32Array);
      assert.deepEqual(out.values[tensor]!.dims, [1, tokens, dim]);
      // By hand: token 1 + (row·4 + col) → cell (row, col); w_d = mean of G over the 16 patch tokens.
      const w = Array.from({ length: dim }, (_, d) => sum(Array.from({ length: grid * grid }, (_, t) => g[(1 + t) * dim + d]!)) / (grid * grid));
      const small = Float32Array.from({ length: grid * grid }, (_, t) => relu(sum(w.map((wd, d) => wd * a[(1 + t) * dim + d]!))));
      const result = await attributor.attribute(image, 'grad-cam', { kind: 'pred' }, { layer: 'blocks.0' });
      assertClose(result.map, upsampleBilinear({ data: small, height: grid, width: grid }, 16, 16), 'vit grad-cam', 1e-4);
      for (const method of CAMS) {
        const other = await attributor.attribute(image, method, { kind: 'pred' });
        assert.ok(other.map.data.every((v) => Number.isFinite(v) && v >= 0), method);
      }
    } finally {
      await Promise.all([attributor.close(), gm.close(), taps.close()]);
    }
  },
);

// Cascading randomisation: which layers count, from the output back; exactly the intended
// initializers change, seeded and deterministic; the original model is never touched.
// Plus the CurveEvaluator with a scripted BoundTarget: one score call per image, shared ends.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CurveEvaluator } from '../../src/attribution/eval/evaluate.js';
import { unitGrid } from '../../src/attribution/eval/order.js';
import { cascadeSteps, parameterisedLayers, randomiseTopLayers } from '../../src/attribution/eval/randomise.js';
import { fillBaseline } from '../../src/attribution/fill.js';
import type { BoundTarget } from '../../src/attribution/types.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { encodeModel } from '../../src/onnx/codec.js';
import { tensorFloat32 } from '../../src/onnx/tensor.js';
import type { ModelProto } from '../../src/onnx/types.js';
import { Random } from '../../src/util/random.js';
import { tinyPlainCnn, tinyVit } from '../fixtures/tiny-models.js';

/** conv(w, b) → relu → flatten → MatMul(W) + Add(bias) → Gemm(w2, b2); a shape-constant initializer too. */
function chain(): ModelProto {
  const g = new GraphBuilder({ name: 'chain' });
  const rng = new Random(5);
  const x = g.input('input', ['batch', 3, 4, 4]);
  const conv = g.node('Conv', [x, g.initializer('conv.weight', rng.normalArray(2 * 3 * 9, 0.3), [2, 3, 3, 3]), g.initializer('conv.bias', rng.normalArray(2, 0.1), [2])], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, { name: '/conv/Conv' });
  const relu = g.node('Relu', [conv], {}, { name: '/Relu' });
  const flat = g.node('Flatten', [relu], { axis: 1 }, { name: '/Flatten' });
  const mm = g.node('MatMul', [flat, g.initializer('fc1.weight', rng.normalArray(32 * 6, 0.2), [32, 6])], {}, { name: '/fc1/MatMul' });
  const add = g.node('Add', [mm, g.initializer('fc1.bias', rng.normalArray(6, 0.1), [6])], {}, { name: '/fc1/Add' });
  const out = g.node('Gemm', [add, g.initializer('fc2.weight', rng.normalArray(12, 0.5), [2, 6]), g.initializer('fc2.bias', new Float32Array([0.3, 0.3]), [2])], { transB: 1 }, { name: '/fc2/Gemm', outputs: ['logits'] });
  g.initializer('unused.shape', BigInt64Array.from([1n, 2n]), [2]);
  g.output(out, ['batch', 2]);
  return g.build();
}

test('parameterisedLayers: Conv/MatMul(+Add bias)/Gemm with initializer weights, output first', () => {
  assert.deepEqual(parameterisedLayers(chain()), [
    { name: '/fc2/Gemm', opType: 'Gemm', tensors: ['fc2.weight', 'fc2.bias'] },
    { name: '/fc1/MatMul', opType: 'MatMul', tensors: ['fc1.weight', 'fc1.bias'] },
    { name: '/conv/Conv', opType: 'Conv', tensors: ['conv.weight', 'conv.bias'] },
  ]);
  assert.deepEqual(parameterisedLayers(tinyPlainCnn()).map((l) => l.name), ['/fc/Gemm', '/features/features.5/Conv', '/features/features.2/Conv', '/features/features.0/Conv']);
  // ViT: attention score MatMuls take two activations and are not layers; linear layers are.
  const vit = parameterisedLayers(tinyVit()).map((l) => l.name);
  assert.equal(vit[0], '/head/Gemm');
  assert.equal(vit.at(-1), '/patch_embed/proj/Conv');
  assert.ok(!vit.includes('/blocks/blocks.0/attn/MatMul'));
  assert.ok(vit.includes('/blocks/blocks.0/attn/q/MatMul'));
});

test('cascadeSteps: every layer up to the limit, else evenly spaced ending with all', () => {
  assert.deepEqual(cascadeSteps(3, 8), [1, 2, 3]);
  assert.deepEqual(cascadeSteps(8, 8), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(cascadeSteps(20, 8), [3, 5, 8, 10, 13, 15, 18, 20]);
  assert.deepEqual(cascadeSteps(20, 1), [20]);
});

test('randomiseTopLayers changes exactly the top layers\' initializers, seeded, never the original', () => {
  const model = chain();
  const before = encodeModel(model);
  const layers = parameterisedLayers(model);
  const byName = (m: ModelProto) => new Map((m.graph!.initializer ?? []).map((t) => [t.name!, t]));
  const original = byName(model);

  const one = randomiseTopLayers(model, layers, 1, 0);
  const changed = [...byName(one)].filter(([name, t]) => t !== original.get(name)).map(([name]) => name);
  assert.deepEqual(changed.sort(), ['fc2.bias', 'fc2.weight']);
  assert.equal(one.graph!.node, model.graph!.node); // graph structure shared, not copied
  const w = tensorFloat32(byName(one).get('fc2.weight')!);
  assert.notDeepEqual(w, tensorFloat32(original.get('fc2.weight')!));
  assert.deepEqual(byName(one).get('fc2.weight')!.dims, [2, 6]);
  // Constant bias [0.3, 0.3] has σ = 0: re-initialised to zeros.
  assert.deepEqual([...tensorFloat32(byName(one).get('fc2.bias')!)], [0, 0]);

  const two = randomiseTopLayers(model, layers, 2, 0);
  const changed2 = [...byName(two)].filter(([name, t]) => t !== original.get(name)).map(([name]) => name).sort();
  assert.deepEqual(changed2, ['fc1.bias', 'fc1.weight', 'fc2.bias', 'fc2.weight']);
  // Cascading: the top layer keeps its values from step to step.
  assert.deepEqual(tensorFloat32(byName(two).get('fc2.weight')!), w);
  // Deterministic per seed; another seed gives other values.
  assert.deepEqual(encodeModel(randomiseTopLayers(model, layers, 3, 0)), encodeModel(randomiseTopLayers(model, layers, 3, 0)));
  assert.notDeepEqual(tensorFloat32(byName(randomiseTopLayers(model, layers, 1, 1)).get('fc2.weight')!), w);
  // Scale follows the original tensor's spread.
  const big = tensorFloat32(byName(randomiseTopLayers(model, layers, 2, 0)).get('fc1.weight')!);
  const std = (a: Float32Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
  const ratio = std(big) / std(tensorFloat32(original.get('fc1.weight')!));
  assert.ok(ratio > 0.8 && ratio < 1.25, `σ ratio ${ratio}`);
  // The original is untouched.
  assert.deepEqual(encodeModel(model), before);
});

test('CurveEvaluator: one score call per image; shared end points; MoRF < LeRF for the right map', async () => {
  // 1 channel, 4×4, unit 2 → 4 units; the target is the sum of the top-left unit's pixels.
  const geometry = { channels: 1, height: 4, width: 4, layout: 'NCHW' as const };
  const grid = unitGrid(4, 4, 2);
  const region = [0, 1, 4, 5];
  const calls: number[] = [];
  const bound: BoundTarget = {
    description: 'test',
    quantity: 'activation',
    clean: 4,
    async score(inputs, count) {
      calls.push(count);
      return Float32Array.from({ length: count }, (_, i) => region.reduce((s, p) => s + inputs[i * 16 + p]!, 0));
    },
  };
  const image = new Float32Array(16).fill(1);
  const evaluator = new CurveEvaluator(geometry, grid, 4, ['morf', 'lerf', 'deletion', 'insertion'], { flip: 'zero', deletion: 'zero', insertion: 'mean' }, (im, kind) => fillBaseline(im, geometry, kind));
  const good = Float32Array.from({ length: 16 }, (_, p) => (region.includes(p) ? 1 : 0));
  const result = await evaluator.evaluate(image, bound, [good]);
  // ends: clean, zero, mean; interior: (S − 1) each for morf, lerf, insertion (deletion = morf).
  assert.deepEqual(calls, [3 + 3 * 3]);
  const c = result.maps[0]!.curves;
  assert.deepEqual(c.morf!.raw, [4, 0, 0, 0, 0]);
  assert.deepEqual(c.lerf!.raw, [4, 4, 4, 4, 0]);
  assert.deepEqual(c.deletion!.raw, c.morf!.raw);
  assert.deepEqual(c.insertion!.raw, [4, 4, 4, 4, 4]); // the mean of an all-ones image is 1
  assert.equal(result.normalisation.morf!.rule, 'ratio');
  assert.equal(result.maps[0]!.areas.morf!.auc, 0.125);
  assert.equal(result.maps[0]!.areas.lerf!.auc, 0.875);
  // Deletion with its own baseline is run separately.
  calls.length = 0;
  const separate = new CurveEvaluator(geometry, grid, 4, ['morf', 'deletion'], { flip: 'mean', deletion: 'zero', insertion: 'blur' }, (im, kind) => fillBaseline(im, geometry, kind));
  const r2 = await separate.evaluate(image, bound, [good, good]);
  assert.deepEqual(calls, [3 + 2 * 2 * 3]);
  assert.deepEqual(r2.maps[1]!.curves.deletion!.raw, [4, 0, 0, 0, 0]);
  assert.deepEqual(r2.maps[1]!.curves.morf!.raw, [4, 4, 4, 4, 4]);
  // A small buffer splits the maps over several calls (ends in the first); same curves.
  calls.length = 0;
  const maps = [good, good.map((v) => 1 - v), Float32Array.from({ length: 16 }, (_, p) => p)];
  const whole = await evaluator.evaluate(image, bound, maps);
  calls.length = 0;
  const small = new CurveEvaluator(geometry, grid, 4, ['morf', 'lerf', 'deletion', 'insertion'], { flip: 'zero', deletion: 'zero', insertion: 'mean' }, (im, kind) => fillBaseline(im, geometry, kind), 7 * 16 * 4);
  const split = await small.evaluate(image, bound, maps);
  // 7 images per call: ends (3) + 1 curve (3) first, then 2 curves per call; 9 curves in all.
  assert.deepEqual(calls, [6, 6, 6, 6, 6]);
  assert.deepEqual(split, whole);
});

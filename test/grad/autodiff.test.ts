import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NeurolensError } from '../../src/errors.js';
import { buildGradientModel, GradientModel } from '../../src/grad/model.js';
import type { VjpRule } from '../../src/grad/types.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { encodeModel } from '../../src/onnx/codec.js';
import { checkGradient } from './check.js';

/** x → Conv → a; out = Add(Relu(a), a): a's cotangent arrives along two consumers. */
function branching(extra?: (b: GraphBuilder, x: string) => void) {
  const b = new GraphBuilder({ opset: 17 });
  const x = b.input('x', ['batch', 2, 4, 4]);
  extra?.(b, x);
  const w = b.initializer('w', Float32Array.from({ length: 2 * 2 * 3 * 3 }, (_, i) => Math.sin(i + 1)), [2, 2, 3, 3]);
  const a = b.node('Conv', [x, w], { pads: [1, 1, 1, 1] }, { name: 'conv' });
  const out = b.node('Add', [b.node('Relu', [a], {}, { name: 'relu' }), a], {}, { name: 'add', outputs: ['out'] });
  b.output(out);
  return b.build();
}

test('cotangents reaching a tensor along several consumers are summed', async () => {
  await checkGradient({
    dtype: 'float32',
    inputs: { x: { dims: [1, 2, 4, 4] } },
    build: (b) => {
      const w = b.initializer('w', Float32Array.from({ length: 36 }, (_, i) => Math.sin(i + 1)), [2, 2, 3, 3]);
      const a = b.node('Conv', ['x', w], { pads: [1, 1, 1, 1] });
      return b.node('Add', [b.node('Relu', [a]), a]);
    },
  });
});

test('an op without a rule is an error only on the differentiated path, in one line naming op, node and the supported ops', async () => {
  // A Floor off the path (its result is a graph output nobody differentiates) is fine.
  const offPath = branching((b, x) => b.output(b.node('Floor', [x], {}, { name: 'floor' })));
  await buildGradientModel(offPath, { targets: [{ tensor: 'out' }], wrt: ['x'] });
  // On the path it is refused.
  const b = new GraphBuilder({ opset: 17 });
  const x = b.input('x', ['batch', 3]);
  b.output(b.node('Relu', [b.node('Floor', [x], {}, { name: 'the_floor' })], {}, { name: 'relu', outputs: ['y'] }));
  await assert.rejects(buildGradientModel(b.build(), { targets: [{ tensor: 'y' }], wrt: ['x'] }), (error: unknown) => {
    assert.ok(error instanceof NeurolensError);
    assert.equal(error.message.split('\n').length, 1);
    assert.match(error.message, /op Floor \(node "the_floor"\).*supported ops: .*Conv.*Relu/);
    return true;
  });
});

test('a layer the target does not depend on is refused (its gradient would be all zeros)', async () => {
  const b = new GraphBuilder({ opset: 17 });
  const x = b.input('x', ['batch', 3]);
  const early = b.node('Relu', [x], {}, { name: 'early', outputs: ['early'] });
  b.output(early);
  const late = b.node('Relu', [b.node('Add', [x, b.initializer('c', Float32Array.of(1, 2, 3), [3])])], {}, { name: 'late', outputs: ['late'] });
  b.output(late);
  await assert.rejects(buildGradientModel(b.build(), { targets: [{ tensor: 'early' }], wrt: ['late'] }), /"early" does not depend on "late"/);
  await assert.rejects(buildGradientModel(b.build(), { targets: [{ tensor: 'nope' }], wrt: ['x'] }), NeurolensError);
});

test('a rule can be replaced per op (here ReLU passes every cotangent)', async () => {
  const through: VjpRule = ({ grads }) => [grads[0]];
  const b = new GraphBuilder({ opset: 17 });
  const x = b.input('x', ['batch', 4]);
  b.output(b.node('Relu', [x], {}, { name: 'relu', outputs: ['y'] }));
  const model = b.build();
  const feeds = () => ({ x: { data: Float32Array.of(-1, 2, -3, 4), dims: [1, 4] } });
  const seed = () => [{ data: Float32Array.of(1, 1, 1, 1), dims: [1, 4] }];
  const plain = await GradientModel.create(model, { targets: [{ tensor: 'y' }], wrt: ['x'] }, { threads: 1 });
  const replaced = await GradientModel.create(model, { targets: [{ tensor: 'y' }], wrt: ['x'], rules: { Relu: through } }, { threads: 1 });
  try {
    assert.deepEqual([...((await plain.run(feeds(), seed())).grads.x!.data as Float32Array)], [0, 1, 0, 1]);
    assert.deepEqual([...((await replaced.run(feeds(), seed())).grads.x!.data as Float32Array)], [1, 1, 1, 1]);
  } finally {
    await plain.close();
    await replaced.close();
  }
});

test('several targets: the gradient of Σ_k ⟨seed_k, T_k⟩; values and forward values come back per batch row', async () => {
  const model = branching();
  const grad = await GradientModel.create(model, { targets: [{ tensor: 'out' }, { tensor: 'conv_output_0' }], wrt: ['x', 'conv_output_0'] }, { threads: 1 });
  try {
    const x = Float32Array.from({ length: 2 * 32 }, (_, i) => Math.cos(i));
    const ones = () => ({ data: new Float32Array(2 * 32).fill(1), dims: [2, 2, 4, 4] });
    const result = await grad.run({ x: { data: x, dims: [2, 2, 4, 4] } }, [ones(), ones()]);
    const a = result.values['conv_output_0']!.data as Float32Array;
    const ga = result.grads['conv_output_0']!.data as Float32Array;
    // d/da [Σ (relu(a) + a) + Σ a] = [a > 0] + 2.
    a.forEach((v, i) => assert.equal(ga[i], (v > 0 ? 1 : 0) + 2));
    assert.deepEqual(result.grads.x!.dims, [2, 2, 4, 4]);
    assert.deepEqual(result.targets[0]!.dims, [2, 2, 4, 4]);
    await assert.rejects(grad.run({ x: { data: new Float32Array(32), dims: [1, 2, 4, 4] } }, [ones(), ones()]), /seed of "out" has dims \[2, 2, 4, 4\]/);
  } finally {
    await grad.close();
  }
});

test('the same model and spec give a byte-identical gradient graph', async () => {
  const spec = { targets: [{ tensor: 'out' }], wrt: ['x'] };
  const first = encodeModel((await buildGradientModel(branching(), spec)).model);
  const second = encodeModel((await buildGradientModel(branching(), spec)).model);
  assert.deepEqual(first, second);
});

test('an argmax target seeds each row at its first largest value inside the graph: the gradient of the predicted logit (or probability), no seed fed', async () => {
  // x [batch, 3] → logits = x·W (W = diag(1, 2, 3)); ∂logit_k/∂x = W[:, k].
  const b = new GraphBuilder({ opset: 17 });
  const x = b.input('x', ['batch', 3]);
  const w = b.initializer('w', Float32Array.of(1, 0, 0, 0, 2, 0, 0, 0, 3), [3, 3]);
  b.output(b.node('MatMul', [x, w], {}, { name: 'head', outputs: ['logits'] }));
  const model = b.build();
  // Rows: class 2 wins; class 0 wins; a tie between classes 1 and 2 (the first, 1, is taken).
  const rows = Float32Array.of(0, 0, 1, 5, 1, 0, 0, 1.5, 1);
  for (const softmax of [false, true]) {
    const grad = await GradientModel.create(model, { targets: [{ tensor: 'logits', argmax: true, softmax }], wrt: ['x'] }, { threads: 1 });
    const plain = await GradientModel.create(model, { targets: [{ tensor: 'logits', softmax }], wrt: ['x'] }, { threads: 1 });
    try {
      const result = await grad.run({ x: { data: rows.slice(), dims: [3, 3] } }, [undefined]);
      const oneHot = Float32Array.of(0, 0, 1, 1, 0, 0, 0, 1, 0);
      const reference = await plain.run({ x: { data: rows.slice(), dims: [3, 3] } }, [{ data: oneHot, dims: [3, 3] }]);
      assert.deepEqual(result.grads.x!.data, reference.grads.x!.data, `softmax ${softmax}`);
      if (!softmax) assert.deepEqual([...result.grads.x!.data], [0, 0, 3, 1, 0, 0, 0, 2, 0]);
    } finally {
      await grad.close();
      await plain.close();
    }
  }
  // Only [batch, classes] tensors can be seeded at their maximum.
  await assert.rejects(buildGradientModel(branching(), { targets: [{ tensor: 'out', argmax: true }], wrt: ['x'] }), /cannot seed "out" at its largest value: it has dims \[batch, 2, 4, 4\]/);
});

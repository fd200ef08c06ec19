// instrumentModel as a graph rewrite (no onnxruntime): naming, purity, ordering and errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { encodeModel } from '../../src/onnx/codec.js';
import { instrumentModel } from '../../src/onnx/instrument.js';
import type { ModelProto } from '../../src/onnx/types.js';
import { NeurolensError } from '../../src/errors.js';
import { tinyResNet, tinyVit } from '../fixtures/tiny-models.js';
import { tensorOf } from '../runtime/helpers.js';

function assertTopological(model: ModelProto): void {
  const graph = model.graph!;
  const defined = new Set([...(graph.input ?? []).map((v) => v.name), ...(graph.initializer ?? []).map((t) => t.name)]);
  for (const node of graph.node ?? []) {
    for (const name of node.input ?? []) assert.ok(name === '' || defined.has(name), `${node.name} reads ${name} before it is defined`);
    for (const name of node.output ?? []) {
      assert.ok(!defined.has(name), `${name} defined twice`);
      defined.add(name);
    }
  }
  for (const output of graph.output ?? []) assert.ok(defined.has(output.name), `output ${output.name} is never produced`);
}

test('instrumentModel leaves the input model untouched', () => {
  const model = tinyResNet();
  const before = encodeModel(model);
  const relu = tensorOf(model, '/relu/Relu');
  const block = tensorOf(model, 'layer1.0/relu_1/Relu');
  const result = instrumentModel(model, { taps: [relu, block, 'input', 'fc.bias'], interventions: [relu, block, 'logits'] });
  assert.deepEqual(encodeModel(model), before);
  assert.notEqual(result.model.graph, model.graph);
  // Weights are shared, not copied.
  assert.equal(result.model.graph!.initializer![0], model.graph!.initializer![0]);
});

test('an intervention reroutes every consumer through Mul(mask) and Add(patch)', () => {
  const model = tinyResNet();
  const block = tensorOf(model, 'layer1.0/relu_1/Relu');
  const { model: out, interventions } = instrumentModel(model, { interventions: [block] });
  const { mask, patch } = interventions[block]!;
  assert.equal(mask, 'mask__layer1_layer1.0_relu_1_Relu_output_0');
  assert.equal(patch, 'patch__layer1_layer1.0_relu_1_Relu_output_0');
  const nodes = out.graph!.node!;
  const producer = nodes.find((n) => n.name === '/layer1/layer1.0/relu_1/Relu')!;
  assert.deepEqual(producer.output, [`${block}__raw`]);
  const mul = nodes.find((n) => n.opType === 'Mul' && n.input![0] === `${block}__raw`)!;
  assert.deepEqual(mul.input, [`${block}__raw`, mask]);
  const add = nodes.find((n) => n.opType === 'Add' && n.output![0] === block)!;
  assert.deepEqual(add.input, [mul.output![0], patch]);
  // Both consumers (conv1 and the downsample conv of layer2) still read the tensor's name, now T'.
  assert.equal(nodes.filter((n) => n.input!.includes(block)).length, 2);
  const inputs = out.graph!.input!.map((v) => v.name);
  assert.deepEqual(inputs, ['input', mask, patch]);
  const maskInfo = out.graph!.input!.find((v) => v.name === mask)!;
  assert.equal(maskInfo.type?.tensorType?.elemType, 1);
  assert.equal(maskInfo.type?.tensorType?.shape, undefined, 'masks have unknown rank');
  assertTopological(out);
});

test('taps become graph outputs; existing outputs, graph inputs and weights are handled', () => {
  const model = tinyResNet();
  const relu = tensorOf(model, '/relu/Relu');
  const { model: out, taps } = instrumentModel(model, { taps: [relu, 'logits', 'input', 'fc.bias'] });
  assert.equal(taps[relu], relu);
  assert.equal(taps.logits, 'logits');
  assert.equal(taps.input, 'input__tap');
  assert.equal(taps['fc.bias'], 'fc.bias__tap');
  assert.deepEqual(out.graph!.output!.map((o) => o.name), ['logits', 'input__tap', 'fc.bias__tap', relu]);
  assertTopological(out);
});

test('an intervened graph output stays an output and carries the edited values', () => {
  const model = tinyResNet();
  const { model: out } = instrumentModel(model, { interventions: ['logits'], taps: ['logits'] });
  assert.deepEqual(out.graph!.output!.map((o) => o.name), ['logits']);
  assert.equal(out.graph!.node!.at(-1)!.opType, 'Add');
  assert.equal(out.graph!.node!.at(-1)!.output![0], 'logits');
  assertTopological(out);
});

test('the rewrite is deterministic and independent of the order of the spec', () => {
  const model = tinyVit();
  const a = tensorOf(model, 'blocks.0/Add');
  const b = tensorOf(model, 'blocks.1/mlp/act/Mul_1');
  const c = tensorOf(model, 'blocks.0/attn/Softmax');
  const one = encodeModel(instrumentModel(model, { taps: [a, b, c], interventions: [b, a] }).model);
  const two = encodeModel(instrumentModel(tinyVit(), { taps: [c, b, a, c], interventions: [a, b, a] }).model);
  assert.deepEqual(one, two);
  assertTopological(instrumentModel(model, { taps: [a, b, c], interventions: [b, a, c] }).model);
});

test('inserted names never collide with names already in the graph', () => {
  const g = new GraphBuilder();
  const x = g.input('x', ['batch', 4]);
  const r = g.node('Relu', [x], {}, { name: 'relu', outputs: ['r'] });
  // Tensors already named like the ones instrumentation would insert.
  const taken1 = g.node('Neg', [r], {}, { outputs: ['mask__r'] });
  const taken2 = g.node('Neg', [taken1], {}, { outputs: ['r__raw'] });
  const y = g.node('Add', [r, taken2], {}, { outputs: ['y'] });
  g.output(y, ['batch', 4]);
  const { model, interventions } = instrumentModel(g.build(), { interventions: ['r', 'mask__r'] });
  assert.deepEqual(interventions.r, { mask: 'mask__r__2', patch: 'patch__r' });
  assert.deepEqual(interventions.mask__r, { mask: 'mask__mask__r', patch: 'patch__mask__r' });
  const relu = model.graph!.node!.find((n) => n.name === 'relu')!;
  assert.deepEqual(relu.output, ['r__raw__2']);
  assertTopological(model);
});

test('unknown tensors, graph inputs and weights give one-line errors that say what to do', () => {
  const model = tinyResNet();
  const relu = tensorOf(model, '/relu/Relu');
  assert.throws(
    () => instrumentModel(model, { taps: [relu.replace('Relu_output', 'Relu_outptu')] }),
    (error: unknown) => {
      assert.ok(error instanceof NeurolensError);
      assert.match(error.message, /^tap "\/relu\/Relu_outptu_0" is not a tensor of the model \(did you mean "\/relu\/Relu_output_0"\?\)/);
      assert.match(error.message, /neurolens inspect/);
      assert.doesNotMatch(error.message, /\n/);
      return true;
    },
  );
  assert.throws(() => instrumentModel(model, { interventions: ['no such tensor at all, really'] }), /intervention "no such tensor at all, really" is not a tensor of the model; list the tensor names with `npx neurolens inspect/);
  assert.throws(() => instrumentModel(model, { interventions: ['input'] }), /cannot intervene on "input": it is a graph input/);
  assert.throws(() => instrumentModel(model, { interventions: ['fc.weight'] }), /cannot intervene on "fc.weight": it is a weight \(initializer\)/);
});

test('interventions on tensors declared non-float are refused', () => {
  const g = new GraphBuilder();
  const x = g.input('x', ['batch', 4]);
  const s = g.node('Shape', [x], {}, { outputs: ['s'] });
  g.output(s, [2], 'int64');
  assert.throws(() => instrumentModel(g.build(), { interventions: ['s'] }), /cannot intervene on "s": it holds int64 values/);
});

// Graph indexing helpers used by instrumentation and cuts (src/onnx/graph.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { cutModel } from '../../src/onnx/cut.js';
import { closestNames, indexGraph, nodeInputs, topologicalOrder, uniqueName } from '../../src/onnx/graph.js';
import type { GraphProto, NodeProto } from '../../src/onnx/types.js';
import { ATTRIBUTE_TYPE } from '../../src/onnx/types.js';
import { tinyVit } from '../fixtures/tiny-models.js';

test('topologicalOrder sorts a shuffled graph and keeps a sorted one as it is', () => {
  const nodes = tinyVit().graph!.node!;
  const available = ['input', ...tinyVit().graph!.initializer!.map((t) => t.name!)];
  assert.deepEqual(topologicalOrder(nodes, available), nodes);
  const shuffled = [...nodes].reverse();
  const sorted = topologicalOrder(shuffled, available);
  const defined = new Set(available);
  for (const node of sorted) {
    for (const name of node.input!) assert.ok(defined.has(name), `${node.name} before ${name}`);
    for (const name of node.output!) defined.add(name);
  }
  const cycle: NodeProto[] = [
    { name: 'a', opType: 'Relu', input: ['y'], output: ['x'] },
    { name: 'b', opType: 'Relu', input: ['x'], output: ['y'] },
  ];
  assert.throws(() => topologicalOrder(cycle, []), /cycle through node a/);
});

/** x → Relu → r; If(cond) whose branches read r from the outer scope → out. */
function modelWithIf() {
  const g = new GraphBuilder();
  const x = g.input('x', ['batch', 4]);
  const cond = g.input('cond', [], 'uint8');
  const r = g.node('Relu', [x], {}, { outputs: ['r'] });
  const branch = (op: string): GraphProto => ({
    name: op,
    node: [{ opType: op, input: ['r'], output: [`${op}_out`] }],
    output: [{ name: `${op}_out` }],
  });
  const model = g.build();
  model.graph!.node!.push({
    name: 'if',
    opType: 'If',
    input: [cond],
    output: ['out'],
    attribute: [
      { name: 'then_branch', type: ATTRIBUTE_TYPE.graph, g: branch('Neg') },
      { name: 'else_branch', type: ATTRIBUTE_TYPE.graph, g: branch('Abs') },
    ],
  });
  model.graph!.output!.push({ name: 'out' });
  return { model, r };
}

test('sub-graph bodies count as readers of the outer tensors they use', () => {
  const { model } = modelWithIf();
  const ifNode = model.graph!.node!.at(-1)!;
  assert.deepEqual(nodeInputs(ifNode), ['cond', 'r']);
  const index = indexGraph(model.graph!);
  assert.deepEqual(index.consumers.get('r'), [1]);
  // A cut to the If output keeps the Relu its branches read.
  const cut = cutModel(model, { from: ['x', 'cond'], to: ['out'] });
  assert.deepEqual(cut.graph!.node!.map((n) => n.opType), ['Relu', 'If']);
  assert.throws(() => cutModel(model, { from: ['x'], to: ['out'] }), /also needs tensor "cond" \(a graph input, read by If node "if"\)/);
});

test('uniqueName and closestNames', () => {
  const used = new Set(['a', 'a__2']);
  assert.equal(uniqueName('a', used), 'a__3');
  assert.equal(uniqueName('b', used), 'b');
  assert.equal(uniqueName('b', used), 'b__2');
  assert.deepEqual(closestNames('/layer1/Relu_output_0', ['/layer1/Relu_output_1', '/layer2/Conv_output_0', 'logits']), ['/layer1/Relu_output_1']);
  assert.deepEqual(closestNames('something else entirely', ['logits']), []);
});

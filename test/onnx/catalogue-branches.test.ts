// Multi-branch blocks: on an Inception-like graph (parallel conv branches joined by a Concat, twice,
// the branches interleaving spatial sizes) the defaults are the Concat outputs — the tensors on every
// path to the logits — never a branch; recording and circuits run on them, and a pair of parallel
// branches is refused in one line.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { CircuitFinder } from '../../src/circuits/discover.js';
import { cutInputsFor } from '../../src/circuits/sensitivity.js';
import { NeurolensError } from '../../src/errors.js';
import { catalogueModel } from '../../src/onnx/catalogue/index.js';
import { analyseGraph } from '../../src/onnx/catalogue/domains.js';
import { outputDominators } from '../../src/onnx/catalogue/dominators.js';
import { record } from '../../src/record/recorder.js';
import { tinyInception } from '../fixtures/arch-models.js';
import { tinyResNet } from '../fixtures/tiny-models.js';
import { makeWorkspace } from '../record/helpers.js';
import { tensorOf } from '../runtime/helpers.js';

const model = tinyInception();
const mixed5b = tensorOf(model, 'Mixed_5b/Concat');
const mixed6a = tensorOf(model, 'Mixed_6a/Concat');

test('only block outputs lie on every path to the logits: the stem and the Concats, not the branches', () => {
  const dominators = outputDominators(analyseGraph(model.graph!));
  for (const tensor of [tensorOf(model, 'Conv2d_1a_3x3/Relu'), mixed5b, mixed6a, 'logits']) assert.ok(dominators.has(tensor), tensor);
  for (const branch of ['Mixed_5b/branch1x1/Relu', 'Mixed_6a/branch3x3/Relu', 'Mixed_6a/branch3x3dbl_2/Relu', 'Mixed_6a/MaxPool']) {
    assert.ok(!dominators.has(tensorOf(model, branch)), branch);
  }
  // Residual blocks: the Add (and its ReLU) dominate, the residual branch's convs do not.
  const resnet = tinyResNet();
  const resnetDominators = outputDominators(analyseGraph(resnet.graph!));
  assert.ok(resnetDominators.has(tensorOf(resnet, 'layer1.0/relu_1/Relu')));
  assert.ok(!resnetDominators.has(tensorOf(resnet, 'layer1.0/relu/Relu')));
});

test('Inception-like defaults are each Mixed block\'s concatenated output, and consecutive defaults form a cut', async () => {
  const summary = await catalogueModel(model);
  const defaults = summary.layers.filter((l) => l.isDefault);
  assert.deepEqual(defaults.map((l) => [l.id, l.tensor, l.channels]), [['Mixed_5b', mixed5b, 16], ['Mixed_6a', mixed6a, 28]]);
  assert.deepEqual(summary.notes, []);
  assert.deepEqual(cutInputsFor(model, mixed5b, mixed6a), [mixed5b], 'the next block needs nothing but the previous block output');
});

test('record + circuits on the Inception-like defaults; parallel branches are refused in one line', async () => {
  const ws = await makeWorkspace(model, 24, { broken: false });
  const run = join(ws.dir, 'run');
  await record({ model: ws.model, images: ws.images, out: run, threads: 1 });
  const finder = await CircuitFinder.create(run, { threads: 1 });
  try {
    assert.deepEqual(finder.run.layers.map((l) => l.id), ['Mixed_5b', 'Mixed_6a']);
    let withCircuit = 0;
    for (let index = 0; index < 24 && withCircuit === 0; index++) {
      const result = await finder.find({ index });
      for (const circuit of result.circuits) {
        for (const edge of circuit.edges) assert.ok(edge.sensitivity > 0 && edge.sensitivity <= 1, `edge sensitivity ${edge.sensitivity}`);
      }
      withCircuit += result.circuits.length;
    }
    assert.ok(withCircuit > 0, 'some query has a circuit');
  } finally {
    await finder.close();
  }

  const branches = join(ws.dir, 'branches');
  await record({ model: ws.model, images: ws.images, out: branches, threads: 1, layers: ['Mixed_6a.branch3x3', 'Mixed_6a.branch3x3dbl_2'] });
  await assert.rejects(CircuitFinder.create(branches, { threads: 1 }), (e: unknown) =>
    e instanceof NeurolensError && !e.message.includes('\n') && /parallel branches/.test(e.message) && e.message.includes('Mixed_6a/branch3x3/Relu'));
});

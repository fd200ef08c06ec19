import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NeurolensError } from '../../../src/errors.js';
import { buildGradientModel } from '../../../src/grad/model.js';
import { checkSymbolicBatch } from '../batch.js';
import { caseModel, checkGradient, type GradCase } from '../check.js';

test('Pad: constant mode, positive pads on two axes (float64)', async () => {
  await checkGradient({ inputs: { x: { dims: [2, 3, 4] } }, build: (b) => b.node('Pad', ['x', b.int64s('pads', [0, 1, 2, 0, 2, 1])]) });
});

test('Pad: negative pads crop', async () => {
  await checkGradient({ inputs: { x: { dims: [2, 5, 4] } }, build: (b) => b.node('Pad', ['x', b.int64s('pads', [0, -1, 2, 0, 1, -2])]) });
});

test('Pad: the pad value input gets the gradient of the padded entries', async () => {
  await checkGradient({
    inputs: { x: { dims: [2, 3] }, v: { dims: [] } },
    build: (b) => b.node('Pad', ['x', b.int64s('pads', [1, 0, 0, 2]), 'v']),
  });
});

test('Pad: axes input (opset 18) and attribute form (opset 10)', async () => {
  await checkGradient({ opset: 18, inputs: { x: { dims: [2, 3, 4] } }, build: (b) => b.node('Pad', ['x', b.int64s('pads', [1, -1, 2, 1]), '', b.int64s('axes', [-1, 1])]) });
  await checkGradient({ opset: 10, inputs: { x: { dims: [2, 3] } }, build: (b) => b.node('Pad', ['x'], { pads: [0, 2, 1, 1] }) });
});

for (const mode of ['reflect', 'edge']) {
  test(`Pad: ${mode} mode sums the mirrored / repeated positions`, async () => {
    await checkGradient({ inputs: { x: { dims: [2, 3, 4] } }, build: (b) => b.node('Pad', ['x', b.int64s('pads', [0, 2, 3, 0, 1, 2])], { mode }) });
  });
}

test('Pad: wrap mode (opset 19)', async () => {
  await checkGradient({ opset: 19, inputs: { x: { dims: [2, 4] } }, build: (b) => b.node('Pad', ['x', b.int64s('pads', [0, 3, 0, 5])], { mode: 'wrap' }) });
});

test('Pad: pads computed at run time are the one-line error naming the node', async () => {
  const c: GradCase = {
    inputs: { x: { dims: [2, 3] } },
    build: (b) => b.node('Pad', ['x', b.node('Concat', [b.node('Shape', ['x']), b.int64s('z', [0, 0])], { axis: 0 })], {}, { name: 'pad1' }),
  };
  await assert.rejects(buildGradientModel(caseModel(c), { targets: [{ tensor: 'pad1_output_0' }], wrt: ['x'] }), (e: unknown) => {
    assert.ok(e instanceof NeurolensError);
    assert.match(e.message, /^cannot differentiate through op Pad \(node "pad1"\): its pads input is computed at run time/);
    assert.doesNotMatch(e.message, /\n/);
    return true;
  });
});

test('Pad: symbolic batch — reflect and constant modes keep the run-time batch', async () => {
  await checkSymbolicBatch({ inputs: { x: { dims: [2, 3, 4] } }, build: (b) => b.node('Pad', ['x', b.int64s('pads', [0, 1, 2, 0, 2, 1])], { mode: 'reflect' }) });
  await checkSymbolicBatch({ inputs: { x: { dims: [2, 3, 4] } }, build: (b) => b.node('Pad', ['x', b.int64s('pads', [0, 1, -2, 0, 2, 1])]) });
});

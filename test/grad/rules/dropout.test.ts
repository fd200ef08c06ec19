import { test } from 'node:test';
import { DATA_TYPE } from '../../../src/onnx/types.js';
import { checkGradient } from '../check.js';

test('Dropout (opset 17): ratio and training_mode=false inputs, mask output present; identity at inference (float64)', async () => {
  await checkGradient({
    inputs: { x: { dims: [2, 3] } },
    build: (b, c) => {
      // A Constant node, not a Cast: onnxruntime's Dropout elimination fails on a computed training_mode.
      const off = b.node('Constant', [], { value: { dims: [], dataType: DATA_TYPE.bool, rawData: new Uint8Array([0]) } });
      const [y] = b.nodeOutputs('Dropout', ['x', c.floats('ratio', [0.5], []), off], {}, { outputs: 2 });
      return b.node('Tanh', [y!]);
    },
  });
});

test('Dropout (opset 17): data input only (float32)', async () => {
  await checkGradient({ dtype: 'float32', inputs: { x: { dims: [2, 3] } }, build: (b) => b.node('Dropout', ['x']) });
});

test('Dropout (opset 10): ratio attribute, mask output (float64)', async () => {
  await checkGradient({
    opset: 10,
    inputs: { x: { dims: [2, 3] } },
    build: (b) => b.nodeOutputs('Dropout', ['x'], { ratio: 0.3 }, { outputs: 2 })[0]!,
  });
});

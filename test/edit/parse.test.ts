import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkOut, encodeEdited, parseAblate, parseScale, payloadBytes, resolveNeurons } from '../../src/edit/index.js';
import { NeurolensError } from '../../src/errors.js';
import type { LayerInfo } from '../../src/onnx/catalogue/index.js';
import type { ModelProto } from '../../src/onnx/types.js';

function usage(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof NeurolensError);
    assert.equal(error.kind, 'usage');
    assert.doesNotMatch(error.message, /\n/);
    assert.match(error.message, pattern);
    return true;
  });
}

const layer = (id: string, tensor: string, channels: number): LayerInfo =>
  ({ id, tensor, kind: 'feature', channels, block: id, op: 'Relu', isDefault: true, index: 0 });

test('parseAblate: LAYER:C lists, the channel after the last colon', () => {
  assert.deepEqual(parseAblate(' layer3.1:17, layer3.1:4 ,'), [{ layer: 'layer3.1', channel: 17 }, { layer: 'layer3.1', channel: 4 }]);
  assert.deepEqual(parseAblate('StatefulPartitionedCall:0:12'), [{ layer: 'StatefulPartitionedCall:0', channel: 12 }]);
  usage(() => parseAblate(' , '), /--ablate needs at least one neuron/);
  usage(() => parseAblate(':3'), /--ablate item ":3" is not LAYER:C/);
  usage(() => parseAblate('layer1:-1'), /is not LAYER:C/);
  usage(() => parseAblate('layer1:1.5'), /is not LAYER:C/);
});

test('parseScale, checkOut and resolveNeurons reject bad values with the argument named', () => {
  assert.equal(parseScale('2'), 2);
  assert.ok(Object.is(parseScale('-0'), 0));
  usage(() => parseScale(''), /--scale/);
  usage(() => parseScale(NaN), /--scale/);
  usage(() => checkOut(undefined, 'm.onnx'), /--out needs/);
  usage(() => checkOut('out.onnx.bak', 'm.onnx'), /must end in \.onnx/);
  usage(() => checkOut('./m.onnx', 'm.onnx'), /is the input model/);
  assert.match(checkOut('dir/M2.ONNX', 'm.onnx'), /M2\.ONNX$/);
  const layers = [layer('b', '/b/Relu_output_0', 4), layer('a', '/a/Relu_output_0', 8)];
  const resolved = resolveNeurons([{ layer: 'a', channel: 3 }, { layer: 'b', channel: 1 }, { layer: '/a/Relu_output_0', channel: 3 }, { layer: 'a', channel: 0 }], layers, 'm.onnx');
  assert.deepEqual(resolved.map((r) => [r.layer.id, r.channels]), [['b', [1]], ['a', [0, 3]]]);
  usage(() => resolveNeurons([{ layer: 'b', channel: 4 }], layers, 'm.onnx'), /channel must be an integer 0 to 3/);
  usage(() => resolveNeurons([{ layer: 'c', channel: 0 }], layers, 'm.onnx'), /layer "c" is not a layer of m\.onnx/);
});

test('a model over the 2 GiB protobuf limit is refused with a clear error before encoding', () => {
  // A fake 3 GiB weight: only its byteLength is read before the refusal.
  const huge = { byteLength: 3 * 1024 ** 3 } as Uint8Array;
  const model: ModelProto = { graph: { node: [], initializer: [{ name: 'w', dataType: 1, dims: [1], rawData: huge }] } };
  assert.equal(payloadBytes(model.graph!), 3 * 1024 ** 3);
  assert.throws(() => encodeEdited(model, 'big.onnx'), /3\.00 GiB, over the 2 GiB a single \.onnx .* big\.onnx cannot be written/);
});

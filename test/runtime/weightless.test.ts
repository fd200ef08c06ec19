import assert from 'node:assert/strict';
import { test } from 'node:test';
import { probeShapes } from '../../src/runtime/probe.js';
import { weightlessModel } from '../../src/runtime/weightless.js';
import { resnet18 } from '../fixtures/tiny-models.js';
import { encodeModel } from '../../src/onnx/codec.js';

test('weightlessModel: large float weights become ConstantOfShape nodes; probed dims are unchanged', async () => {
  const model = resnet18();
  const light = weightlessModel(model);
  assert.ok(encodeModel(light).byteLength < encodeModel(model).byteLength / 100, 'the probe model is a small fraction of the model');
  assert.ok(light.graph!.node!.some((n) => n.opType === 'ConstantOfShape'));
  assert.equal(model.graph!.node!.some((n) => n.opType === 'ConstantOfShape'), false, 'the model is not modified');
  const tensors = model.graph!.node!.flatMap((n) => n.output ?? []).slice(0, 40);
  // Raw bytes are probed as they are (with their weights): the reference.
  const full = await probeShapes(encodeModel(model), tensors);
  const stripped = await probeShapes(model, tensors);
  for (const name of tensors) assert.deepEqual(stripped.tensors.get(name)?.dims, full.tensors.get(name)?.dims, name);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeModel, encodeModel } from '../../src/onnx/codec.js';
import { loadModel } from '../../src/onnx/load.js';
import { makeTensor, tensorFloat32 } from '../../src/onnx/tensor.js';
import { int64ToNumber, type ModelProto } from '../../src/onnx/types.js';
import { NeurolensError } from '../../src/errors.js';
import { randomImages, tinyResNet, tinyVit, writeExternalDataModel } from '../fixtures/tiny-models.js';

/**
 * Makes decoded and hand-written models comparable: numbers and Longs become strings (int64 fields
 * decode as Long), bytes become arrays, and empty repeated fields (always present after decoding)
 * are dropped.
 */
function normalise(value: unknown): unknown {
  if (value instanceof Uint8Array) return Array.from(value);
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.map(normalise);
  if (value && typeof value === 'object') {
    if ('low' in value && 'high' in value && 'unsigned' in value) return String(value);
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0))
        .map(([k, v]) => [k, normalise(v)]),
    );
  }
  return value;
}

const bytes = (s: string) => new TextEncoder().encode(s);

/** A model that sets every message type and field kind the schema declares. */
function everyFieldModel(): ModelProto {
  const tensor = { ...makeTensor('w', new Float32Array([1, 2, 3, 4]), [2, 2]), docString: 'weights', metadataProps: [{ key: 'k', value: 'v' }] };
  const typedTensor = { name: 'typed', dims: [3], dataType: 1, floatData: [0.5, 1.5, 2.5], segment: { begin: 0, end: 3 } };
  const int64Tensor = { name: 'i64', dims: [2], dataType: 7, int64Data: [5, -9] };
  const doubles = { name: 'd', dims: [1], dataType: 11, doubleData: [0.25] };
  const uint64s = { name: 'u', dims: [1], dataType: 13, uint64Data: [7] };
  const strings = { name: 's', dims: [2], dataType: 8, stringData: [bytes('a'), bytes('bc')] };
  const int32s = { name: 'i32', dims: [2], dataType: 6, int32Data: [1, -2] };
  const sparse = { values: { name: 'sv', dims: [1], dataType: 1, floatData: [3] }, indices: { name: 'si', dims: [1], dataType: 7, int64Data: [2] }, dims: [4] };
  const subgraph = {
    name: 'body', node: [{ opType: 'Identity', input: ['x'], output: ['y'] }],
    input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }] } } } }],
    output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
  };
  return {
    irVersion: 10,
    opsetImport: [{ domain: '', version: 21 }, { domain: 'com.example', version: 1 }],
    producerName: 'test', producerVersion: '1.0', domain: 'org.test', modelVersion: 3, docString: 'doc',
    metadataProps: [{ key: 'author', value: 'me' }],
    trainingInfo: [{ initialization: subgraph, algorithm: subgraph, initializationBinding: [{ key: 'a', value: 'b' }], updateBinding: [{ key: 'c', value: 'd' }] }],
    functions: [{
      name: 'F', domain: 'com.example', overload: 'o', input: ['a'], output: ['b'], attribute: ['alpha'],
      attributeProto: [{ name: 'beta', type: 1, f: 2 }], node: [{ opType: 'Identity', input: ['a'], output: ['b'] }],
      docString: 'f', opsetImport: [{ domain: '', version: 21 }], valueInfo: [{ name: 'a' }], metadataProps: [{ key: 'x', value: 'y' }],
    }],
    configuration: [{ name: 'cfg', numDevices: 2, device: ['d0', 'd1'] }],
    graph: {
      name: 'g', docString: 'graph doc',
      node: [{
        name: 'n', opType: 'Custom', domain: 'com.example', overload: 'o', docString: 'node doc',
        input: ['in', 'w'], output: ['out'], metadataProps: [{ key: 'm', value: 'n' }],
        deviceConfigurations: [{ configurationId: 'cfg', pipelineStage: 1, shardingSpec: [{ tensorName: 'in', device: [0, 1],
          indexToDeviceGroupMap: [{ key: 0, value: [0, 1] }], shardedDim: [{ axis: 0, simpleSharding: [{ dimValue: 4, numShards: 2 }, { dimParam: 'N', numShards: 2 }] }] }] }],
        attribute: [
          { name: 'f', type: 1, f: 0.5 }, { name: 'i', type: 2, i: '9223372036854775807' as unknown as number }, { name: 's', type: 3, s: bytes('str') },
          { name: 't', type: 4, t: typedTensor }, { name: 'g', type: 5, g: subgraph }, { name: 'st', type: 11, sparseTensor: sparse },
          { name: 'tp', type: 13, tp: { tensorType: { elemType: 1 }, denotation: 'IMAGE' } },
          { name: 'fs', type: 6, floats: [1, 2] }, { name: 'is', type: 7, ints: [-1, 3] }, { name: 'ss', type: 8, strings: [bytes('x')] },
          { name: 'ts', type: 9, tensors: [int64Tensor] }, { name: 'gs', type: 10, graphs: [subgraph] },
          { name: 'sts', type: 12, sparseTensors: [sparse] }, { name: 'tps', type: 14, typeProtos: [{ sequenceType: { elemType: { tensorType: { elemType: 7 } } } }] },
          { name: 'ref', refAttrName: 'alpha', type: 1, docString: 'attr doc' },
        ],
      }],
      initializer: [tensor, typedTensor, int64Tensor, doubles, uint64s, strings, int32s],
      sparseInitializer: [sparse],
      input: [{ name: 'in', docString: 'input', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'N', denotation: 'DATA_BATCH' }, { dimValue: 2 }] } } }, metadataProps: [{ key: 'a', value: 'b' }] }],
      output: [{ name: 'out', type: { mapType: { keyType: 7, valueType: { tensorType: { elemType: 1 } } } } }],
      valueInfo: [
        { name: 'o1', type: { optionalType: { elemType: { tensorType: { elemType: 1 } } } } },
        { name: 'o2', type: { sparseTensorType: { elemType: 1, shape: { dim: [{ dimValue: 3 }] } } } },
        { name: 'o3', type: { opaqueType: { domain: 'x', name: 'y' } } },
      ],
      quantizationAnnotation: [{ tensorName: 'w', quantParameterTensorNames: [{ key: 'SCALE_TENSOR', value: 's' }] }],
      metadataProps: [{ key: 'gm', value: 'gv' }],
    },
  } as unknown as ModelProto;
}

test('every schema field survives encode → decode → encode', () => {
  const original = everyFieldModel();
  const first = encodeModel(original);
  const decoded = decodeModel(first);
  const second = encodeModel(decoded);
  assert.deepEqual(Buffer.from(second), Buffer.from(first));
  assert.deepEqual(normalise(decoded), normalise(original));
  const attr = decoded.graph!.node![0]!.attribute!.find((a) => a.name === 'i')!;
  assert.equal(String(attr.i), '9223372036854775807', 'INT64_MAX attribute kept exactly');
});

test('built fixture models round-trip byte for byte and still run', async () => {
  for (const model of [tinyResNet(), tinyVit()]) {
    const bytesA = encodeModel(model);
    const bytesB = encodeModel(decodeModel(bytesA));
    assert.deepEqual(Buffer.from(bytesB), Buffer.from(bytesA));
  }
});

test('decoding garbage fails', () => {
  assert.throws(() => decodeModel(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f])));
});

test('loadModel inlines external data and gives identical outputs', async () => {
  const model = tinyResNet();
  const dir = mkdtempSync(join(tmpdir(), 'neurolens-ext-'));
  const reference = await ort.InferenceSession.create(encodeModel(model), { logSeverityLevel: 3 });
  writeExternalDataModel(model, dir);
  const loaded = await loadModel(join(dir, 'model.onnx'));
  assert.equal(loaded.external, true);
  const inlined = loaded.model.graph!.initializer!.find((t) => t.name === 'conv1.weight')!;
  assert.equal(inlined.dataLocation, undefined);
  assert.equal(tensorFloat32(inlined).length, 8 * 3 * 3 * 3);
  const session = await ort.InferenceSession.create(encodeModel(loaded.model), { logSeverityLevel: 3 });
  const feeds = { input: new ort.Tensor('float32', randomImages(2), [2, 3, 16, 16]) };
  const [a, b] = [await reference.run(feeds), await session.run(feeds)];
  assert.deepEqual(Array.from(b.logits!.data as Float32Array), Array.from(a.logits!.data as Float32Array));
  await session.release();
  await reference.release();
});

test('loadModel errors name the file and the problem', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurolens-bad-'));
  await assert.rejects(loadModel(join(dir, 'missing.onnx')), (e: unknown) => e instanceof NeurolensError && /model file not found: .*missing\.onnx/.test(e.message));
  writeFileSync(join(dir, 'junk.onnx'), Buffer.from('this is not a protobuf at all, just text'));
  await assert.rejects(loadModel(join(dir, 'junk.onnx')), (e: unknown) => e instanceof NeurolensError && /junk\.onnx is not a valid ONNX model|junk\.onnx holds no graph/.test(e.message));
  const model = tinyResNet();
  model.graph!.initializer![0]!.externalData = [{ key: 'location', value: 'gone.bin' }];
  model.graph!.initializer![0]!.dataLocation = 1;
  writeFileSync(join(dir, 'ext.onnx'), encodeModel(model));
  await assert.rejects(loadModel(join(dir, 'ext.onnx')), (e: unknown) => e instanceof NeurolensError && /gone\.bin/.test(e.message));
  model.graph!.initializer![0]!.externalData = [{ key: 'location', value: '../../etc/passwd' }];
  writeFileSync(join(dir, 'escape.onnx'), encodeModel(model));
  await assert.rejects(loadModel(join(dir, 'escape.onnx')), (e: unknown) => e instanceof NeurolensError && /outside the model folder/.test(e.message));
  assert.equal(int64ToNumber(model.irVersion), 8);
});

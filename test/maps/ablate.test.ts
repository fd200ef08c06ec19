// Ablation masks: dims and values per layer kind (feature maps, tokens, vectors), factors, errors;
// and the Ablator's rows against a full-size mask of the same zeroing, per kind, in one batch.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ablator, buildMasks, maskDims, rowKey, type AblateLayer } from '../../src/maps/ablate.js';
import { catalogueModel } from '../../src/onnx/catalogue/index.js';
import type { ModelProto } from '../../src/onnx/types.js';
import { InstrumentedModel } from '../../src/runtime/instrumented.js';
import { randomImages, tinyResNet, tinyVit } from '../fixtures/tiny-models.js';

const F: AblateLayer = { id: 'f', tensor: 'F', kind: 'feature', channels: 3 };
const T: AblateLayer = { id: 't', tensor: 'T', kind: 'tokens', channels: 4 };
const V: AblateLayer = { id: 'v', tensor: 'V', kind: 'vector', channels: 2 };

test('buildMasks: mean rows zero the neuron and patch in its dataset mean; zero rows keep patch 0', () => {
  const means = { f: Float32Array.of(0.5, 1.5, 2.5), t: Float32Array.of(-1, 0, 1, 2) };
  const masks = buildMasks([F, T], [
    { neurons: [{ layer: 'f', channel: 1 }], mean: true },
    { neurons: [{ layer: 'f', channel: 2 }] },
    { neurons: [{ layer: 't', channel: 3 }], mean: true, factor: 2 },
  ], means);
  assert.deepEqual([...(masks.F!.mask!.data as Float32Array)], [1, 0, 1, 1, 1, 0, 1, 1, 1]);
  assert.deepEqual([...(masks.F!.patch!.data as Float32Array)], [0, 1.5, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(masks.F!.patch!.dims, [3, 3, 1, 1]);
  assert.deepEqual([...(masks.T!.mask!.data as Float32Array)].slice(8), [1, 1, 1, 0], 'a mean row ignores its factor');
  assert.deepEqual([...(masks.T!.patch!.data as Float32Array)].slice(8), [0, 0, 0, 2]);
  assert.notEqual(rowKey({ neurons: [{ layer: 'f', channel: 0 }], mean: true }), rowKey({ neurons: [{ layer: 'f', channel: 0 }] }));
  assert.throws(() => buildMasks([F], [{ neurons: [{ layer: 'f', channel: 0 }], mean: true }]), /no dataset mean for layer f: mean ablation needs the run's mean pooling; use --ablation zero/);
});

test('mask dims broadcast over positions: [rows,C,1,1], [rows,1,D], [rows,D]', () => {
  assert.deepEqual(maskDims(F, 5), [5, 3, 1, 1]);
  assert.deepEqual(maskDims(T, 5), [5, 1, 4]);
  assert.deepEqual(maskDims(V, 5), [5, 2]);
  assert.deepEqual(maskDims({ ...V, rank: 4 }, 5), [5, 2, 1, 1], 'a pooled [N,C,1,1] vector');
});

test('buildMasks: per-row values, factors, untouched layers left out', () => {
  const masks = buildMasks([F, T, V], [
    { neurons: [{ layer: 'f', channel: 2 }, { layer: 't', channel: 0 }] },
    { neurons: [] },
    { neurons: [{ layer: 't', channel: 3 }, { layer: 't', channel: 3 }], factor: 2 },
  ]);
  assert.deepEqual(Object.keys(masks), ['F', 'T']);
  assert.deepEqual(masks.F!.mask!.dims, [3, 3, 1, 1]);
  assert.deepEqual([...(masks.F!.mask!.data as Float32Array)], [1, 1, 0, 1, 1, 1, 1, 1, 1]);
  assert.deepEqual(masks.T!.mask!.dims, [3, 1, 4]);
  assert.deepEqual([...(masks.T!.mask!.data as Float32Array)], [0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2]);
  assert.equal(masks.F!.patch, undefined);
  assert.throws(() => buildMasks([F], [{ neurons: [{ layer: 'x', channel: 0 }] }]), /cannot ablate neurons of layer x: the run recorded f/);
  assert.throws(() => buildMasks([F], [{ neurons: [{ layer: 'f', channel: 3 }] }]), /channel 3 is not a neuron of layer f; channels are 0 to 2/);
  assert.throws(() => buildMasks([F], [{ neurons: [{ layer: 'f', channel: 0 }], factor: Number.NaN }]), /finite number/);
  assert.equal(rowKey({ neurons: [{ layer: 'f', channel: 1 }, { layer: 'f', channel: 0 }] }), rowKey({ neurons: [{ layer: 'f', channel: 0 }, { layer: 'f', channel: 1 }, { layer: 'f', channel: 0 }], factor: 0 }));
  assert.notEqual(rowKey({ neurons: [{ layer: 'f', channel: 0 }] }), rowKey({ neurons: [{ layer: 'f', channel: 0 }], factor: 2 }));
});

/** Each Ablator row equals a batch-1 run with a FULL-size mask that scales those channels at every position. */
async function checkKind(model: ModelProto, kind: AblateLayer['kind'], rank: number): Promise<void> {
  const summary = await catalogueModel(model);
  const info = summary.layers.find((l) => l.kind === kind && l.channels > 3 && (kind !== 'vector' || (l.op === 'GlobalAveragePool') === (rank === 4)))!;
  assert.ok(info, `a ${kind} layer`);
  const layer: AblateLayer = { id: info.id, tensor: info.tensor, kind: info.kind as AblateLayer['kind'], channels: info.channels };
  const image = { data: randomImages(1, 16, 5), dims: [1, 3, 16, 16] };
  const rows = [{ neurons: [] }, { neurons: [{ layer: layer.id, channel: 1 }, { layer: layer.id, channel: 3 }] }, { neurons: [{ layer: layer.id, channel: 0 }], factor: 2 }, { neurons: [] }];
  const ablator = await Ablator.create(model, [layer], { threads: 1, batch: 2 });
  const reference = await InstrumentedModel.create(model, { taps: [layer.tensor], interventions: [layer.tensor] }, { threads: 1 });
  try {
    const got = await ablator.run(image, rows);
    assert.equal(image.data.length, 3 * 16 * 16, 'the image is not consumed');
    assert.deepEqual(got[3], got[0], 'identical rows give identical outputs');
    const dims = (await reference.run({ input: { data: image.data.slice(), dims: image.dims } })).taps[layer.tensor]!.dims;
    assert.equal(dims.length, rank);
    const axis = dims.length === 3 ? 2 : 1;
    for (const [r, row] of rows.entries()) {
      const size = dims.reduce((a, b) => a * b, 1);
      const mask = new Float32Array(size).fill(1);
      const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
      for (let i = 0; i < size; i++) {
        const channel = Math.floor(i / inner) % dims[axis]!;
        const hit = row.neurons.find((n) => n.channel === channel);
        if (hit) mask[i] = 'factor' in row ? row.factor! : 0;
      }
      const want = (await reference.run({ input: { data: image.data.slice(), dims: image.dims } }, { taps: [], interventions: { [layer.tensor]: { mask: { data: mask, dims: [...dims] } } } })).outputs[ablator.output]!.data as Float32Array;
      for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[r]![i]! - want[i]!) < 1e-5, `${kind} row ${r} output ${i}: ${got[r]![i]} vs ${want[i]}`);
    }
    assert.ok(got[1]!.some((v, i) => Math.abs(v - got[0]![i]!) > 1e-6), 'the ablation changes the output');
  } finally {
    await Promise.all([ablator.close(), reference.close()]);
  }
}

test('Ablator: feature-map layer (every spatial position)', () => checkKind(tinyResNet(), 'feature', 4));
test('Ablator: token layer (every token, class token included)', () => checkKind(tinyVit(), 'tokens', 3));
test('Ablator: vector layers, pooled [N,C,1,1] and flat [N,D]', async () => {
  await checkKind(tinyResNet(), 'vector', 4);
  await checkKind(tinyResNet(), 'vector', 2);
});

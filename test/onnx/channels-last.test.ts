// Channels-last feature maps [N,H,W,C] (Swin stages, ConvNeXt block internals): catalogued as
// feature maps with layout 'NHWC' and one default per Swin block; pooled, masked per channel on the
// last axis, mapped and cut like their NCHW transposes; recorded (layout in the manifest) and run
// through circuits.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { CircuitFinder } from '../../src/circuits/discover.js';
import { channelLayout } from '../../src/circuits/sensitivity.js';
import { scaleDims } from '../../src/edit/bake.js';
import { maskDims } from '../../src/maps/ablate.js';
import { neuronMap } from '../../src/maps/region.js';
import { catalogueModel, formatCatalogue, type LayerInfo } from '../../src/onnx/catalogue/index.js';
import { poolBatch, poolView } from '../../src/record/pool.js';
import { record } from '../../src/record/recorder.js';
import { InstrumentedModel } from '../../src/runtime/instrumented.js';
import type { TensorLike } from '../../src/runtime/types.js';
import { tinyConvNext, tinySwin } from '../fixtures/arch-models.js';
import { batchedAndNaive } from '../fixtures/sensitivity.js';
import { randomImages } from '../fixtures/tiny-models.js';
import { runManifest } from '../run/helpers.js';
import { makeWorkspace } from '../record/helpers.js';
import { copyFeeds, images, referenceRun } from '../runtime/helpers.js';

const swin = tinySwin();

/** An [N,H,W,C] tensor transposed to [N,C,H,W]. */
function toNchw(t: TensorLike): TensorLike {
  const [n, h, w, c] = t.dims as [number, number, number, number];
  const src = t.data as Float32Array;
  const out = new Float32Array(src.length);
  for (let s = 0; s < n; s++) for (let p = 0; p < h * w; p++) for (let k = 0; k < c; k++) out[((s * c + k) * h * w) + p] = src[(s * h * w + p) * c + k]!;
  return { data: out, dims: [n, c, h, w] };
}

async function swinDefaults(): Promise<LayerInfo[]> {
  return (await catalogueModel(swin)).layers.filter((l) => l.isDefault);
}

test('Swin-like: stage and block outputs are NHWC feature maps, one default per block output', async () => {
  const summary = await catalogueModel(swin);
  const byId = new Map(summary.layers.map((l) => [l.id, l]));
  assert.deepEqual(summary.layers.filter((l) => l.isDefault).map((l) => [l.id, l.kind, l.layout, l.channels, l.spatial]), [
    ['features.1.0', 'feature', 'NHWC', 8, [4, 4]],
    ['features.1.1', 'feature', 'NHWC', 8, [4, 4]],
  ]);
  assert.equal(byId.get('features.0')?.layout, 'NHWC', 'the patch-embedding stage output (after the permute and LayerNorm)');
  assert.equal(byId.get('features.1.0.mlp.1')?.channels, 16, 'the MLP hidden is a 16-channel map');
  assert.equal(byId.get('features.0.0')?.layout, undefined, 'the NCHW Conv output keeps the default layout');
  assert.ok(!summary.layers.some((l) => l.kind === 'tokens'), 'no channels-last map is mistaken for tokens');
  const shown = formatCatalogue(summary).split('\n').filter((line) => line.startsWith('*'));
  assert.equal(shown.length, 2);
  for (const line of shown) assert.match(line, /^\*  features\.1\.\d +feature NHWC +8 +4×4 +Add /);
});

test('ConvNeXt-like: block internals are NHWC maps, defaults stay the NCHW residual Adds', async () => {
  const summary = await catalogueModel(tinyConvNext());
  const internals = summary.layers.filter((l) => l.layout === 'NHWC');
  assert.deepEqual(internals.map((l) => [l.id, l.channels]), [
    ['features.1.0.block.2', 8], ['features.1.0.block.3', 32], ['features.1.0.block.4', 32], ['features.1.0.block.5', 8],
    ['features.1.1.block.2', 8], ['features.1.1.block.3', 32], ['features.1.1.block.4', 32], ['features.1.1.block.5', 8],
  ]);
  assert.deepEqual(summary.layers.filter((l) => l.isDefault).map((l) => [l.id, l.layout]), [['features.1.0', undefined], ['features.1.1', undefined]]);
});

test('pooling, maps, mask dims and circuit layouts of an NHWC map equal those of its NCHW transpose', async () => {
  const [layer] = await swinDefaults();
  const tensor = layer!.tensor;
  const tap = (await referenceRun(swin, [tensor], images(3, randomImages(3, 16, 41))))[tensor]!;
  const nchw = toNchw(tap);
  const view = poolView(tap.dims, 'NHWC');
  assert.deepEqual(view, { kind: 'tokens', dims: [3, 16, 8] });
  const pooled = poolBatch(tap.data as Float32Array, view.dims, view.kind, ['mean', 'max', 'top10']);
  const reference = poolBatch(nchw.data as Float32Array, nchw.dims, 'feature', ['mean', 'max', 'top10']);
  for (const p of ['mean', 'max', 'top10'] as const) assert.deepEqual([...pooled[p]], [...reference[p]], p);
  for (const c of [0, 5]) assert.deepEqual([...neuronMap(tap, c, layer!, 2).data], [...neuronMap(nchw, c, { ...layer!, layout: undefined }, 2).data]);
  assert.deepEqual(maskDims({ kind: 'feature', channels: 8, layout: 'NHWC' }, 3), [3, 1, 1, 8]);
  assert.deepEqual(scaleDims('feature', 8, 4, 'NHWC'), [1, 1, 1, 8]);
  assert.deepEqual(channelLayout(layer!, tap.dims), { channels: 8, outer: 16, inner: 1, rowSize: 128 });
});

test('a per-channel mask broadcast on the last axis edits exactly that channel of an NHWC map', async () => {
  const [layer, next] = await swinDefaults();
  const inputs = images(2, randomImages(2, 16, 43));
  const reference = await referenceRun(swin, [layer!.tensor, next!.tensor], inputs);
  const model = await InstrumentedModel.create(swin, { taps: [layer!.tensor], interventions: [layer!.tensor] }, { threads: 1 });
  try {
    const mask = new Float32Array(8).fill(1);
    mask[3] = 0;
    const { taps, outputs } = await model.run(copyFeeds(inputs), { interventions: { [layer!.tensor]: { mask: { data: mask, dims: [1, 1, 1, 8] } } } });
    const edited = taps[layer!.tensor]!.data as Float32Array;
    const clean = reference[layer!.tensor]!.data as Float32Array;
    for (let i = 0; i < clean.length; i++) assert.equal(edited[i], i % 8 === 3 ? 0 : clean[i], `element ${i}`);
    assert.notDeepEqual([...(outputs.logits!.data as Float32Array)], [...(reference.logits!.data as Float32Array)], 'the edit reaches the logits');
  } finally {
    await model.close();
  }
});

test('circuits between NHWC block outputs: batched cut scores equal the one-pass-per-source reference', async () => {
  const layers = await swinDefaults();
  const query = { data: randomImages(1, 16, 44), dims: [1, 3, 16, 16] };
  const sources = [0, 1, 2, 3, 4, 5, 6, 7];
  const { batched, naive: expected } = await batchedAndNaive(swin, layers, query, sources, 3);
  assert.ok(batched.some((s) => s.some((v) => v > 0)), 'some source has an influence');
  batched.forEach((s, i) => s.forEach((v, c) => assert.ok(Math.abs(v - expected[i]![c]!) <= 1e-5, `source ${i} → ${c}: ${v} vs ${expected[i]![c]}`)));
});

test('record keeps the layout in the manifest, and circuits run on the recorded NHWC defaults', async () => {
  const ws = await makeWorkspace(swin, 24, { broken: false });
  const run = join(ws.dir, 'run');
  await record({ model: ws.model, images: ws.images, out: run, threads: 1 });
  const manifest = await runManifest(run);
  assert.deepEqual(manifest.layers.map((l) => [l.id, l.kind, l.layout]), [['features.1.0', 'feature', 'NHWC'], ['features.1.1', 'feature', 'NHWC']]);
  const finder = await CircuitFinder.create(run, { threads: 1 });
  try {
    let circuits = 0;
    for (let index = 0; index < 24 && circuits === 0; index++) circuits += (await finder.find({ index })).circuits.length;
    assert.ok(circuits > 0, 'some query has a circuit');
  } finally {
    await finder.close();
  }
});

// Activation rates, rare neurons and rare counts per image: against hand counts, in memory and on a run.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { activeCounts, rareChannels, rareCountsPerImage, rateHistogram, ratesFromCounts, runNeurons, topOffenders } from '../../src/neurons/index.js';
import { readNpy } from '../../src/store/npy.js';
import { tinyRun } from './helpers.js';

// 5 images × 4 neurons. Neuron 0 fires on every image, 1 on one image, 2 never, 3 on two.
const M = Float32Array.from([
  1, 0, 0, 0.5, //
  2, 0, -1, 0, //
  3, 0.2, 0, 0, //
  4, 0, 0, 0.7, //
  5, 0, 0, 0, //
]);
const read = (start: number, count: number) => M.slice(start * 4, (start + count) * 4);

test('rates: counts, rates, rare channels and histogram match a hand count', async () => {
  // rowChunkBytes 8 = two rows per read, so the blocks end mid-matrix.
  const options = { images: 5, channels: 4, threshold: 0, rowChunkBytes: 32 };
  const counts = await activeCounts(read, options);
  assert.deepEqual([...counts], [5, 1, 0, 2]);
  const rates = ratesFromCounts(counts, 5);
  assert.deepEqual([...rates], [1, 0.2, 0, 0.4]);
  assert.deepEqual(rareChannels(rates, 0.3), [1, 2]);
  assert.deepEqual(rareChannels(rates, 0.2), [2], 'rare is strictly below');
  // Threshold is strict: at 0.5, neuron 3 fires only on image 3.
  assert.deepEqual([...(await activeCounts(read, { ...options, threshold: 0.5 }))], [5, 0, 0, 1]);
  const histogram = rateHistogram(rates);
  assert.deepEqual(histogram.edges, [0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(histogram.counts, [1, 0, 0, 0, 1, 1, 0, 1]);
});

test('rates: without a threshold a neuron is active when among the top 10 % of its layer on the image', async () => {
  // 4 channels → ⌈0.4⌉ = 1 active per image: the row maximum, ties to the lower channel.
  const options = { images: 5, channels: 4, threshold: null, rowChunkBytes: 32 };
  assert.deepEqual([...(await activeCounts(read, options))], [5, 0, 0, 0]);
  // 20 channels → 2 per image; image rows 0..19 and 19..0 alternate.
  const wide = new Float32Array(3 * 20);
  for (let c = 0; c < 20; c++) {
    wide[c] = c;
    wide[20 + c] = 19 - c;
    wide[40 + c] = c === 7 || c === 3 ? 5 : 0; // a tie at the top: channels 3 and 7 both count
  }
  const counts = await activeCounts((s0, n) => wide.slice(s0 * 20, (s0 + n) * 20), { images: 3, channels: 20, threshold: null });
  const expected = new Array(20).fill(0);
  expected[19] = 1; expected[18] = 1; expected[0] = 1; expected[1] = 1; expected[3] = 1; expected[7] = 1;
  assert.deepEqual([...counts], expected);
  assert.equal([...counts].reduce((a, b) => a + b, 0), 6, 'exactly ⌈0.1·C⌉ active per image');
});

test('rates: rare neurons per image and the top offenders', async () => {
  const options = { images: 5, channels: 4, threshold: 0, rowChunkBytes: 16 };
  // Rare = {1, 3}: image 0 has neuron 3, image 2 neuron 1, image 3 neuron 3.
  assert.deepEqual([...(await rareCountsPerImage(read, [1, 3], options))], [1, 0, 1, 1, 0]);
  assert.deepEqual([...(await rareCountsPerImage(read, [], options))], [0, 0, 0, 0, 0]);
  // Two layers: [images × layers].
  const perImage = Int32Array.from([1, 0, 0, 0, 1, 2, 1, 1, 0, 0]);
  assert.deepEqual(topOffenders(perImage, 5, 2, 3), [{ index: 2, total: 3, perLayer: [1, 2] }, { index: 3, total: 2, perLayer: [1, 1] }, { index: 0, total: 1, perLayer: [1, 0] }]);
  // Ties go to the lower index; images with no rare neuron firing are never listed.
  assert.deepEqual(topOffenders(Int32Array.from([0, 1, 1, 0]), 4, 1).map((o) => o.index), [1, 2]);
});

test('rates on a recorded run: files agree with a hand count of the activations', async () => {
  const { run } = await tinyRun(20);
  const manifest = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8')) as { layers: { id: string; channels: number }[] };
  const layers = ['layer1.0', 'layer2.0'];
  // A threshold that makes some neurons rare on real activations: per-layer, chosen from the data.
  const acts = await Promise.all(layers.map((id) => readNpy(join(run, 'activations', `${id}.max.npy`))));
  const all = [...(acts[0]!.data as Float32Array)].sort((a, b) => a - b);
  const threshold = all[Math.floor(all.length * 0.9)]!;
  const result = await runNeurons({ run, layers, top: 0, activeAbove: threshold, rareBelow: 0.15, threads: 1 });
  const summary = JSON.parse(readFileSync(join(run, 'neurons', 'summary.json'), 'utf8')) as typeof result.summary;
  assert.deepEqual(summary, JSON.parse(JSON.stringify(result.summary)));
  const perImage = await readNpy(join(run, 'neurons', 'rare-per-image.npy'));
  assert.equal(perImage.dtype, 'int32');
  assert.deepEqual(perImage.shape, [20, 2]);
  let anyRare = false;
  for (const [l, id] of layers.entries()) {
    const C = manifest.layers.find((x) => x.id === id)!.channels;
    const data = acts[l]!.data as Float32Array;
    const hand = Array.from({ length: C }, (_, c) => {
      let k = 0;
      for (let i = 0; i < 20; i++) if (data[i * C + c]! > threshold) k++;
      return k / 20;
    });
    const rates = await readNpy(join(run, 'neurons', `rates.${id}.npy`));
    assert.equal(rates.dtype, 'float32');
    assert.deepEqual([...(rates.data as Float32Array)], hand.map((r) => Math.fround(r)));
    const rare = hand.flatMap((r, c) => (r < 0.15 ? [c] : []));
    const layer = summary.layers[l]!;
    assert.deepEqual(layer.rareNeurons.map((n) => n.channel), rare);
    assert.equal(layer.dead, hand.filter((r) => r === 0).length);
    assert.equal(layer.threshold, threshold);
    assert.equal(layer.pooling, 'max');
    anyRare ||= rare.length > 0;
    for (let i = 0; i < 20; i++) {
      const count = rare.filter((c) => data[i * C + c]! > threshold).length;
      assert.equal((perImage.data as Int32Array)[i * 2 + l], count, `image ${i}, layer ${id}`);
    }
  }
  assert.ok(anyRare, 'the threshold leaves some rare neurons to count');
  assert.ok(result.notes.some((n) => /no concepts run/.test(n)));
});

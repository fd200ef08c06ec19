// The --effects stage of `neurolens neurons` on a tiny recorded run: ablation class effects equal
// direct forwards with the channel zeroed (both signs), hand-checked statistics, heatmaps whose
// target value is the recorded mean-pooled activation, and a file that matches its schema.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { decodeImage } from '../../src/images/index.js';
import { deletePixels, effectSample, hottest, layerSpread, openNeuronsRun, runNeurons, summarizeAblation, tCritical, writeEffects, type NeuronEffectsFile } from '../../src/neurons/index.js';
import { loadModel } from '../../src/onnx/load.js';
import { InstrumentedModel } from '../../src/runtime/instrumented.js';
import { readNpy } from '../../src/store/npy.js';
import { assertFormat } from '../helpers/schema.js';
import { runImages, runManifest } from '../run/helpers.js';
import { tinyRun } from './helpers.js';

const IMAGES = 12;
const SAMPLE = 5;
const SEED = 3;
let run: string;

before(async () => {
  ({ run } = await tinyRun(IMAGES));
  await runNeurons({ run, layers: ['layer1.0', 'layer2.0'], top: 3, thumbSize: 8, threads: 1, effects: true, effectImages: SAMPLE, heatmaps: 2, seed: SEED });
});

const effects = (layer: string) => JSON.parse(readFileSync(join(run, 'neurons', `effects.${layer}.json`), 'utf8')) as NeuronEffectsFile;

test('effects file: schema, the seeded sample, every neuron with ablation and heatmaps', () => {
  for (const layer of ['layer1.0', 'layer2.0']) {
    const file = effects(layer);
    assertFormat('neurolens-neuron-effects', file);
    assert.deepEqual(file.settings.ablation?.images, effectSample(IMAGES, SAMPLE, SEED));
    assert.equal(file.settings.ablation?.images.length, SAMPLE);
    assert.equal(file.neurons.length, file.layer.channels);
    for (const n of file.neurons) {
      assert.equal(n.heatmaps?.length, 2);
      for (const h of n.heatmaps!) assert.ok(existsSync(join(run, h.png)), h.png);
    }
  }
  assert.deepEqual(effectSample(IMAGES, SAMPLE, SEED), effectSample(IMAGES, SAMPLE, SEED));
  assert.notDeepEqual(effectSample(IMAGES, SAMPLE, SEED), effectSample(IMAGES, SAMPLE, SEED + 1));
});

test('an ablation effect equals a direct forward with the channel zeroed, for rises and falls', async () => {
  const manifest = await runManifest(run);
  const images = await runImages(run);
  const layer = manifest.layers.find((l) => l.id === 'layer2.0')!;
  const file = effects('layer2.0');
  const { model } = await loadModel(manifest.model.path);
  const im = await InstrumentedModel.create(model, { interventions: [layer.tensor] });
  try {
    const prep = manifest.preprocessing;
    const inputs = await Promise.all(file.settings.ablation!.images.map(async (i) => (await decodeImage(join(manifest.images.root, images[i]!.path), prep)).data));
    const logitsWith = async (data: Float32Array, channel: number | null) => {
      const mask = new Float32Array(layer.channels).fill(1);
      if (channel !== null) mask[channel] = 0;
      const { outputs } = await im.run({ [im.inputNames[0]!]: { data: data.slice(), dims: [1, prep.channels, prep.height, prep.width] } }, { interventions: { [layer.tensor]: { mask: { data: mask, dims: [1, layer.channels, 1, 1] } } } });
      return outputs[im.outputNames[0]!]!.data as Float32Array;
    };
    const bases = await Promise.all(inputs.map((d) => logitsWith(d, null)));
    let rises = 0;
    let falls = 0;
    for (const c of [0, 5, 11]) {
      const entry = file.neurons[c]!.ablation!;
      const ablated = await Promise.all(inputs.map((d) => logitsWith(d, c)));
      for (const e of [...entry.up, ...entry.down]) {
        const direct = ablated.reduce((s, a, i) => s + a[e.class]! - bases[i]![e.class]!, 0) / inputs.length;
        assert.ok(Math.abs(e.mean - direct) < 1e-4, `neuron ${c} class ${e.class}: ${e.mean} vs direct ${direct}`);
        assert.ok(e.ci[0] <= e.mean && e.mean <= e.ci[1]);
        if (e.mean > 0) rises++;
        if (e.mean < 0) falls++;
      }
      assert.ok(entry.up.every((e) => e.mean > 0) && entry.down.every((e) => e.mean < 0));
    }
    assert.ok(rises > 0 && falls > 0, `both signs seen (${rises} rises, ${falls} falls)`);
  } finally {
    await im.close();
  }
});

test('class effect statistics by hand: mean, simultaneous t interval, significance, layer spread', () => {
  assert.ok(Math.abs(tCritical(0.05, 10) - 2.228139) < 1e-5);
  // One neuron, two classes, n = 4: class 0 changes [1, 2, 3, 2] (mean 2, sd √(2/3)); class 1 changes [1, −1, 1, −1] (mean 0).
  const sums = { channels: 1, classes: 2, n: 4, sum: Float64Array.from([8, 0]), sq: Float64Array.from([18, 4]) };
  const [a] = summarizeAblation(sums, ['cat', 'dog'], 5, 0.05);
  const half = tCritical(0.025, 3) * Math.sqrt(2 / 3 / 4);
  assert.deepEqual(a!.up.map((e) => e.name), ['cat']);
  assert.ok(Math.abs(a!.up[0]!.ci[0] - (2 - half)) < 1e-9 && a!.up[0]!.significant);
  assert.equal(a!.down.length, 0);
  assert.equal(a!.largest, 2);
  assert.deepEqual(layerSpread([{ up: [], down: [], largest: 1 }, { up: [], down: [], largest: 3 }, { up: [], down: [], largest: 2 }]), { median: 2, q90: 3 });
});

test('heatmaps: the target value is the recorded mean-pooled activation; the check deletes the hottest pixels', async () => {
  const file = effects('layer2.0');
  const acts = await readNpy(join(run, 'activations', 'layer2.0.mean.npy'));
  const C = file.layer.channels;
  for (const n of file.neurons.slice(0, 4)) {
    for (const h of n.heatmaps!) {
      const recorded = (acts.data as Float32Array)[h.index * C + n.channel]!;
      assert.ok(Math.abs(h.clean - recorded) < 1e-4 * Math.max(1, Math.abs(recorded)), `${n.channel}@${h.index}: ${h.clean} vs ${recorded}`);
      assert.equal(h.pass, h.hot < h.random);
    }
  }
  assert.deepEqual(hottest(Float32Array.from([0.1, 0.9, 0.5, 0.9]), 2), [1, 3]);
  const image = Float32Array.from({ length: 2 * 2 * 2 }, (_, i) => i + 1);
  assert.deepEqual(Array.from(deletePixels(image, [1], { channels: 2, height: 2, width: 2, layout: 'NCHW' })), [1, 0, 3, 4, 5, 0, 7, 8]);
  assert.deepEqual(Array.from(deletePixels(image, [1], { channels: 2, height: 2, width: 2, layout: 'NHWC' })), [1, 2, 0, 0, 5, 6, 7, 8]);
});

test('an image that can no longer be read is left out of the ablation sample with a warning', async () => {
  const images = await runImages(run);
  const manifest = await runManifest(run);
  const sample = effectSample(IMAGES, SAMPLE, SEED);
  rmSync(join(manifest.images.root, images[sample[1]!]!.path));
  const warnings: string[] = [];
  const neuronsRun = await openNeuronsRun(run, { layers: ['layer2.0'] });
  await writeEffects(neuronsRun, { effectImages: SAMPLE, heatmaps: 0, seed: SEED, batch: 8, threads: 1 }, { onWarning: (w) => warnings.push(w) });
  const file = effects('layer2.0');
  assert.deepEqual(file.settings.ablation?.images, sample.filter((_, i) => i !== 1));
  assert.equal(file.settings.heatmaps, null);
  assert.equal(file.neurons[0]!.heatmaps, null);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, new RegExp(`image ${images[sample[1]!]!.path} can no longer be read .* left out of the effects`));
});

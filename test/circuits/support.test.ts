// The support gate of circuit discovery (src/circuits/support.ts): which layers it gates, what it
// measures (each T10 neuron's own ablation effect on the predicted logit, checked against an
// independent Ablator), and — on the shipped demo ViT, where activation-only circuits barely beat
// random neurons — that gated circuits are faithful: each circuit alone lowers the predicted logit
// more than random neurons of its layers, which the ungated (plain GCC) circuits do not.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { before, test } from 'node:test';
import { CircuitFinder } from '../../src/circuits/discover.js';
import { evaluateCircuits } from '../../src/circuits/eval.js';
import { loadReference, isTop } from '../../src/circuits/reference.js';
import { gatedLayers, parseSupportGate, SupportTable } from '../../src/circuits/support.js';
import { listEmojiImages, spreadSubset, stageEmojiDataset } from '../../src/demo/emoji.js';
import { modelsDir, QUICK_EMOJI } from '../../src/demo/demo.js';
import { NeurolensError } from '../../src/errors.js';
import { decodeImage } from '../../src/images/index.js';
import { Ablator } from '../../src/maps/ablate.js';
import { loadModel } from '../../src/onnx/load.js';
import { layerFileStem } from '../../src/record/layout.js';
import { record } from '../../src/record/recorder.js';
import { readNpy } from '../../src/store/npy.js';
import { tinyVit } from '../fixtures/tiny-models.js';
import { makeWorkspace } from '../record/helpers.js';
import { runImages, runManifest } from '../run/helpers.js';

test('gated layers: tokens gates token layers only, all every layer, none nothing; bad values are usage errors', () => {
  const layers = [{ kind: 'feature' }, { kind: 'tokens' }, { kind: 'vector' }];
  assert.deepEqual(gatedLayers(layers, 'tokens'), [false, true, false]);
  assert.deepEqual(gatedLayers(layers, 'all'), [true, true, true]);
  assert.deepEqual(gatedLayers(layers, 'none'), [false, false, false]);
  assert.equal(parseSupportGate(' all '), 'all');
  assert.throws(() => parseSupportGate('some'), (e: unknown) => e instanceof NeurolensError && e.kind === 'usage' && /--support must be tokens/.test(e.message));
});

test('SupportTable: only positive drops of tested neurons in gated layers are admitted', async () => {
  const layers = [{ id: 'a', kind: 'feature', channels: 3 }, { id: 'b', kind: 'tokens', channels: 4 }];
  const asked: string[] = [];
  const table = await SupportTable.measure(layers, 'tokens', (l, c) => c % 2 === 0 || l === 0, async (neurons) => {
    asked.push(...neurons.map((n) => `${n.layer}#${n.channel}`));
    return Float64Array.from(neurons, (n) => (n.channel === 0 ? 0.5 : -0.1));
  });
  assert.deepEqual(asked, ['b#0', 'b#2'], 'only candidates of gated layers are measured');
  assert.deepEqual(table.summary, { gate: 'tokens', layers: ['b'], tested: 2, supporting: 1 });
  assert.ok(table.admits(0, 1), 'an ungated layer admits every neuron');
  assert.ok(table.admits(1, 0));
  assert.ok(!table.admits(1, 2), 'a neuron whose ablation raises the logit is not admitted');
  assert.ok(!table.admits(1, 1), 'an untested neuron of a gated layer is not admitted');
  assert.equal(table.drop(1, 0), 0.5);
  assert.equal(table.drop(0, 0), undefined);
});

let tinyRun: string;
/** The tiny run's recorded top10 activations per layer. */
const topActs = new Map<string, Float32Array>();
before(async () => {
  const ws = await makeWorkspace(tinyVit(), 120, { broken: false });
  tinyRun = join(ws.dir, 'run');
  await record({ model: ws.model, images: ws.images, out: tinyRun, threads: 1 });
  const manifest = await runManifest(tinyRun);
  for (const l of manifest.layers) topActs.set(l.id, (await readNpy(join(tinyRun, 'activations', `${layerFileStem(l.id)}.top10.npy`))).data as Float32Array);
});

test('tiny ViT: the gate tests every T10 neuron of the token layers by its own ablation; none tests nothing', async () => {
  const manifest = await runManifest(tinyRun);
  const reference = await loadReference(tinyRun);
  const rows = await runImages(tinyRun);
  const prep = manifest.preprocessing;
  const { model } = await loadModel(manifest.model.path);
  const ablator = await Ablator.create(model, manifest.layers, { threads: 1 });
  const gated = await CircuitFinder.create(tinyRun, { threads: 1 });
  const plain = await CircuitFinder.create(tinyRun, { threads: 1, support: 'none' });
  let against = 0;
  try {
    for (const index of [0, 3, 7, 11]) {
      const result = await gated.find({ index });
      const image = { data: (await decodeImage(resolve(manifest.images.root, rows[index]!.path), prep)).data, dims: [1, prep.channels, prep.height, prep.width] };
      const cls = result.query.predicted[0]!.class;
      const neurons = manifest.layers.flatMap((layer, l) => {
        const acts = reference.layers[l]!;
        return Array.from({ length: layer.channels }, (_, channel) => channel).filter((c) => isTop(acts, c, topAct(layer.id, index, c, layer.channels), '10')).map((channel) => ({ layer: layer.id, channel }));
      });
      const logits = await ablator.run(image, [{ neurons: [] }, ...neurons.map((n) => ({ neurons: [n], factor: 0 }))]);
      const drops = neurons.map((_, i) => logits[0]![cls]! - logits[i + 1]![cls]!);
      assert.deepEqual(result.support, { gate: 'tokens', layers: manifest.layers.map((l) => l.id), tested: neurons.length, supporting: drops.filter((d) => d > 0).length });
      against += result.support!.tested - result.support!.supporting;
      for (const circuit of result.circuits) for (const node of circuit.nodes) assert.ok(node.support! > 0);
      const none = await plain.find({ index });
      assert.deepEqual(none.support, { gate: 'none', layers: [], tested: 0, supporting: 0 });
      assert.deepEqual(none.roots, result.roots, 'roots are the T1 neurons either way; the gate decides which start circuits');
    }
  } finally {
    await Promise.all([ablator.close(), gated.close(), plain.close()]);
  }
  assert.ok(against > 0, 'some neurons the queries activate work against their prediction');

  function topAct(layer: string, index: number, channel: number, channels: number): number {
    return topActs.get(layer)![index * channels + channel]!;
  }
});

test('demo ViT: gated circuits beat random neurons one by one; activation-only circuits do not', { timeout: 600_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurolens-support-'));
  const images = spreadSubset(await listEmojiImages(), QUICK_EMOJI);
  const { imagesDir } = await stageEmojiDataset(dir, images);
  const run = join(dir, 'run');
  await record({ model: join(modelsDir(), 'emoji-vit.onnx'), images: imagesDir, out: run, threads: 1 });
  const check = async (support: 'tokens' | 'none') => (await evaluateCircuits({ run, queries: 20, support, ablation: 'zero', threads: 1, out: join(dir, `${support}.json`) })).result;
  const gated = await check('tokens');
  const plain = await check('none');
  assert.equal(gated.protocol.support, 'tokens');
  const g = gated.summary.perCircuit;
  const p = plain.summary.perCircuit;
  assert.ok(g.circuits > 0 && p.circuits > 0);
  // Each gated circuit alone: the paired circuit − random difference is above 0 with 95 % confidence.
  assert.ok(g.difference.ci[0] > 0, `gated difference CI ${g.difference.ci}`);
  assert.ok(g.beatsRandom >= 0.8, `gated circuits beat random ${g.beatsRandom}`);
  assert.ok(gated.summary.predicted.circuitBeatsRandom >= 0.8);
  // Plain GCC on the same queries: about as many circuits beat random as do not.
  assert.ok(p.beatsRandom < g.beatsRandom - 0.2, `plain ${p.beatsRandom} vs gated ${g.beatsRandom}`);
  assert.ok(g.drop.mean > 2 * p.drop.mean, `gated drop ${g.drop.mean} vs plain ${p.drop.mean}`);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { NeurolensError } from '../../src/errors.js';
import { record } from '../../src/record/recorder.js';
import { runProbes } from '../../src/probes/pipeline.js';
import type { ProbeLayer } from '../../src/probes/pipeline.js';
import { Random } from '../../src/util/random.js';
import { tinyResNet } from '../fixtures/tiny-models.js';
import { makeWorkspace } from '../record/helpers.js';

const FAMILIES = [['red', [210, 40, 40]], ['green', [40, 190, 50]], ['blue', [40, 50, 210]]] as const;
const PER_FAMILY = 24;

/**
 * A recorded run with planted concept structure: 72 noisy images in three colour families (the
 * concept), each drawn around its family colour with seeded per-image jitter and pixel noise.
 */
async function familyRun() {
  const ws = await makeWorkspace(tinyResNet(), 0, { broken: false });
  const rng = new Random(11);
  const rows = ['path,concept'];
  const multi = ['path,concepts'];
  for (const [name, rgb] of FAMILIES) {
    mkdirSync(join(ws.images, name), { recursive: true });
    for (let i = 0; i < PER_FAMILY; i++) {
      const base = rgb.map((v) => v + (rng.next() - 0.5) * 80);
      const raw = Buffer.alloc(16 * 16 * 3);
      for (let p = 0; p < raw.length; p++) raw[p] = Math.max(0, Math.min(255, Math.round(base[p % 3]! + (rng.next() - 0.5) * 60)));
      const path = `${name}/${String(i).padStart(2, '0')}.png`;
      await sharp(raw, { raw: { width: 16, height: 16, channels: 3 } }).png().toFile(join(ws.images, path));
      rows.push(`${path},${name}`);
      multi.push(`${path},${name}${i % 2 ? ';odd' : ''}`);
    }
  }
  const run = join(ws.dir, 'run');
  await record({ model: ws.model, images: ws.images, out: run, layers: 'all', poolings: ['mean'], topK: 8 });
  const labels = join(ws.dir, 'labels.csv');
  writeFileSync(labels, `${rows.join('\n')}\n`);
  const multiLabels = join(ws.dir, 'multi.csv');
  writeFileSync(multiLabels, `${multi.join('\n')}\n`);
  return { run, labels, multiLabels };
}

const fixture = familyRun();
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

test('probes: exclusive colour families are probe-able, well above the shuffled-label control', { timeout: 120_000 }, async () => {
  const { run, labels } = await fixture;
  const steps: string[] = [];
  const result = await runProbes({ run, labels, layers: ['layer1.0', 'layer2.0'], hidden: 16 }, { onStep: (m) => steps.push(m) });
  assert.deepEqual(result.labels.names, ['red', 'green', 'blue']);
  assert.equal(result.labels.exclusive, true);
  assert.equal(result.files.length, 2);
  assert.ok(steps.some((s) => /concept 1\/3/.test(s)));
  const layer = JSON.parse(readFileSync(join(run, 'probes', 'layer2.0.json'), 'utf8')) as ProbeLayer;
  assert.equal(layer.format, 'neurolens-probes');
  assert.deepEqual(layer.layer, { id: 'layer2.0', tensor: layer.layer.tensor, channels: 16 });
  assert.equal(layer.images, 72);
  assert.equal(layer.concepts.length, 3);
  const settings = layer.settings as { split: { test: number; seed: number }; labels: { exclusive: boolean }; mlp: { hidden: number } };
  assert.equal(settings.split.test, 0.2);
  assert.equal(settings.labels.exclusive, true);
  assert.equal(settings.mlp.hidden, 16);
  for (const c of layer.concepts) {
    assert.equal(c.positives, PER_FAMILY);
    assert.equal(c.split.train + c.split.validation + c.split.test, 72);
    assert.ok(c.split.testPositives >= 4);
    assert.ok(c.probes.multiNeuron.test.auc! >= 0.9, `${c.name}: multi-neuron AUC ${c.probes.multiNeuron.test.auc}`);
    assert.ok(c.probes.singleNeuron.test.auc! >= 0.7, `${c.name}: best single neuron AUC ${c.probes.singleNeuron.test.auc}`);
    assert.ok(c.probes.mlp!.test.auc! >= 0.85, `${c.name}: MLP AUC ${c.probes.mlp!.test.auc}`);
    assert.ok(c.probes.multiConcept!.test.auc! >= 0.85);
    assert.equal(c.baselines.majority.auc, 0.5);
    assert.equal(c.baselines.majority.balancedAccuracy, 0.5);
    assert.ok(c.sparse.k !== null && c.sparse.k >= 1 && c.sparse.k <= 16);
    assert.ok(c.sparse.curve.length >= 2 && c.sparse.curve.some((p) => p.k === 16));
    assert.equal(c.topNeurons.length, 10);
    assert.equal(c.topNeurons[0]!.neuron, c.probes.singleNeuron.neuron);
    assert.ok(c.topNeurons.every((n, i) => i === 0 || n.heldInAuc! <= c.topNeurons[i - 1]!.heldInAuc!));
  }
  const multi = mean(layer.concepts.map((c) => c.probes.multiNeuron.test.auc!));
  const control = mean(layer.concepts.map((c) => c.baselines.shuffled.auc!));
  assert.ok(multi - control >= 0.25, `multi-neuron ${multi} vs shuffled ${control}`);
  assert.ok(layer.joint && layer.joint.multiConcept!.test.accuracy! > layer.joint.majority! + 0.3, JSON.stringify(layer.joint));
  assert.ok(layer.joint.mlp!.test.accuracy! > layer.joint.majority!);

  const html = readFileSync(result.report, 'utf8');
  assert.match(html, /<svg class="curve"/);
  assert.match(html, /data:image\/png;base64,/);
  assert.match(html, /layer1\.0/);

  // Determinism: the same inputs give byte-identical JSON and report.
  const before = result.files.map((f) => readFileSync(f));
  const report = readFileSync(result.report);
  await runProbes({ run, labels, layers: ['layer1.0', 'layer2.0'], hidden: 16 });
  result.files.forEach((f, i) => assert.ok(readFileSync(f).equals(before[i]!), `${f} changed on a re-run`));
  assert.ok(readFileSync(result.report).equals(report), 'report changed on a re-run');
});

test('probes: multi-label concepts share a split stratified on the first concept; options are recorded', { timeout: 120_000 }, async () => {
  const { run, multiLabels } = await fixture;
  const result = await runProbes({ run, labels: multiLabels, layers: ['layer2.0'], mlp: 'none', seed: 3, l1: 0.01, testFraction: 0.25 });
  assert.equal(result.labels.exclusive, false);
  assert.deepEqual(result.labels.names, ['red', 'odd', 'green', 'blue']);
  const layer = result.layers[0]!;
  assert.equal(layer.joint, null);
  assert.ok(layer.concepts.every((c) => c.probes.multiConcept !== null && c.probes.mlp === null));
  const settings = layer.settings as { split: { test: number; seed: number }; seeds: { shuffledControl: number }; linear: { l1: number } };
  assert.deepEqual([settings.split.test, settings.split.seed, settings.seeds.shuffledControl, settings.linear.l1], [0.25, 3, 4, 0.01]);
  // "odd" (every other image of each family) carries no colour information the probe can use.
  const odd = layer.concepts.find((c) => c.name === 'odd')!;
  const red = layer.concepts.find((c) => c.name === 'red')!;
  assert.ok(red.probes.multiNeuron.test.auc! > odd.probes.multiNeuron.test.auc! + 0.2, `red ${red.probes.multiNeuron.test.auc} vs odd ${odd.probes.multiNeuron.test.auc}`);
});

test('probes: clear errors for bad options', async () => {
  const { run, labels } = await fixture;
  const oneLine = (pattern: RegExp) => (e: unknown) => e instanceof NeurolensError && pattern.test(e.message) && !e.message.includes('\n');
  await assert.rejects(runProbes({ run, labels, layers: ['nope'] }), oneLine(/unknown layer\(s\) nope/));
  await assert.rejects(runProbes({ run, labels, pooling: 'max' }), oneLine(/recorded without max pooling \(recorded: mean\); choose one of those with --pooling/));
  await assert.rejects(runProbes({ run }), oneLine(/--labels FILE/));
  await assert.rejects(runProbes({ run, concepts: 'keywords:3' }), oneLine(/neurolens concepts/));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NeurolensError } from '../../src/errors.js';
import { runProbes } from '../../src/probes/pipeline.js';
import type { ProbeLayer } from '../../src/probes/pipeline.js';
import { familyRun, PER_FAMILY } from './helpers.js';

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

  // About 5 test positives per family: below the default floor of 10, so nothing is ranked.
  assert.equal((layer.settings as { minTestPositives: number }).minTestPositives, 10);
  assert.equal((layer.settings as { bootstrap: { resamples: number } }).bootstrap.resamples, 1000);
  assert.equal(layer.headline.best, null);
  assert.deepEqual(layer.headline.tooFewTestPositives, layer.concepts.map((c) => ({ concept: c.name, testPositives: c.split.testPositives })));
  for (const c of layer.concepts) {
    for (const probe of [c.probes.singleNeuron, c.probes.multiNeuron, c.probes.mlp!]) {
      const { auc, accuracy } = probe.ci!;
      assert.ok(auc![0] <= probe.test.auc! && probe.test.auc! <= auc![1], `${c.name}: AUC ${probe.test.auc} outside ${auc}`);
      assert.ok(accuracy![0] <= probe.test.accuracy! && probe.test.accuracy! <= accuracy![1], `${c.name}: accuracy ${probe.test.accuracy} outside ${accuracy}`);
      // Five test positives cannot pin an AUC down, however well they are separated.
      assert.ok(auc![1] - auc![0] >= 0.2, `${c.name}: AUC interval ${auc} is too narrow for ${c.split.testPositives} positives`);
    }
  }

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

test('probes: the best-read claim needs the floor of test positives; the headline names it with its interval', { timeout: 120_000 }, async () => {
  const { run, labels } = await fixture;
  const result = await runProbes({ run, labels, layers: ['layer2.0'], mlp: 'none', minTestPositives: 4, bootstrapResamples: 200 });
  const layer = result.layers[0]!;
  const floor = 4;
  const eligible = layer.concepts.filter((c) => c.split.testPositives >= floor);
  assert.ok(eligible.length >= 1, 'some family reaches 4 test positives');
  const top = Math.max(...eligible.map((c) => c.probes.multiNeuron.test.auc!));
  const best = layer.headline.best!;
  assert.equal(best.auc, top);
  const named = layer.concepts.find((c) => c.name === best.concept)!;
  assert.ok(named.split.testPositives >= floor);
  assert.deepEqual(best.aucCi, named.probes.multiNeuron.ci!.auc);
  assert.equal(best.testPositives, named.split.testPositives);
  assert.deepEqual(layer.headline.tooFewTestPositives.map((c) => c.concept), layer.concepts.filter((c) => c.split.testPositives < floor).map((c) => c.name));
  assert.equal((layer.settings as { bootstrap: { resamples: number } }).bootstrap.resamples, 200);
});

test('probes: clear errors for bad options', async () => {
  const { run, labels } = await fixture;
  const oneLine = (pattern: RegExp) => (e: unknown) => e instanceof NeurolensError && pattern.test(e.message) && !e.message.includes('\n');
  await assert.rejects(runProbes({ run, labels, layers: ['nope'] }), oneLine(/unknown layer\(s\) nope/));
  await assert.rejects(runProbes({ run, labels, pooling: 'max' }), oneLine(/recorded without max pooling \(recorded: mean\); choose one of those with --pooling/));
  await assert.rejects(runProbes({ run }), oneLine(/--labels FILE/));
  await assert.rejects(runProbes({ run, concepts: 'keywords:3' }), oneLine(/neurolens concepts/));
  await assert.rejects(runProbes({ run, labels, minTestPositives: 0 }), oneLine(/minTestPositives must be an integer ≥ 1, got 0/));
});

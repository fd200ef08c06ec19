// The probes endpoints on a real probes run: the tiny ResNet's colour-family run (test/probes), probed
// with multi-label concepts (three colour families and "odd", every other image, which no neuron can
// read), then served through the same handlers as the HTTP server and the static export.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runProbes, type ProbeLayer } from '../../src/probes/pipeline.js';
import type { ProbeLayerResponse, ProbesResponse } from '../../src/server/api.js';
import { HttpError } from '../../src/server/http-error.js';
import { handleApi } from '../../src/server/router.js';
import { RunIndex } from '../../src/server/run-index.js';
import { familyRun } from '../probes/helpers.js';

const FLOOR = 4;
let run: RunIndex;
let stored: ProbeLayer;

before(async () => {
  const { run: dir, multiLabels } = await familyRun();
  await runProbes({ run: dir, labels: multiLabels, layers: ['layer1.0', 'layer2.0'], mlp: 'none', minTestPositives: FLOOR, bootstrapResamples: 200 });
  stored = JSON.parse(readFileSync(join(dir, 'probes', 'layer2.0.json'), 'utf8')) as ProbeLayer;
  run = await RunIndex.open(dir);
});

test('/api/probes: every probed layer with its verdict counts, floor and the report', { timeout: 120_000 }, async () => {
  const list = (await handleApi(run, '/api/probes')) as ProbesResponse;
  assert.deepEqual(list.layers.map((l) => l.layer), ['layer1.0', 'layer2.0']);
  assert.equal(list.report, 'probes/report.html');
  for (const l of list.layers) {
    assert.equal(l.concepts, 4);
    assert.equal(l.passed + l.failed + l.tooFew, 4);
    assert.equal(l.minTestPositives, FLOOR);
    assert.equal(l.pooling, 'mean');
  }
  const layer2 = list.layers[1]!;
  assert.deepEqual([layer2.channels, layer2.images], [16, 72]);
  assert.deepEqual(layer2.headline, stored.headline);
});

test('/api/probes/:layer: AUC, interval, controls, k-curve and top neurons as stored, each with its check', async () => {
  const view = (await handleApi(run, '/api/probes/layer2.0')) as ProbeLayerResponse;
  assert.deepEqual(view.probes.map((p) => p.name), ['red', 'odd', 'green', 'blue']);
  for (const p of view.probes) {
    const c = stored.concepts.find((x) => x.name === p.name)!;
    assert.equal(p.auc, c.probes.multiNeuron.test.auc);
    assert.deepEqual(p.aucCi, c.probes.multiNeuron.ci!.auc);
    assert.ok(p.aucCi![0] <= p.auc! && p.auc! <= p.aucCi![1], `${p.name}: the interval holds the AUC`);
    assert.equal(p.shuffledAuc, c.baselines.shuffled.auc);
    assert.equal(p.testPositives, c.split.testPositives);
    assert.deepEqual(p.singleNeuron, { neuron: c.probes.singleNeuron.neuron, auc: c.probes.singleNeuron.test.auc, aucCi: c.probes.singleNeuron.ci!.auc });
    assert.ok(p.sparse.curve.length >= 2 && p.sparse.curve.every((pt, i) => i === 0 || pt.k > p.sparse.curve[i - 1]!.k), `${p.name}: k ascending`);
    assert.deepEqual(p.sparse, c.sparse);
    assert.equal(p.topNeurons.length, 10);
    assert.deepEqual(p.topNeurons, c.topNeurons);
    // The verdict follows the rule in the file's own numbers.
    const expected = p.testPositives < FLOOR ? 'too-few' : p.aucCi![0] > Math.max(0.5, p.shuffledAuc ?? 0.5) ? 'pass' : 'fail';
    assert.equal(p.check.verdict, expected, `${p.name}: ${p.check.reason}`);
  }
  const red = view.probes.find((p) => p.name === 'red')!;
  assert.equal(red.check.verdict, 'pass', red.check.reason);
  assert.match(red.check.reason, /lower end \d\.\d{3} is above chance \(0\.500\)/);
  // "odd" carries no colour information: its probe must not pass.
  const odd = view.probes.find((p) => p.name === 'odd')!;
  assert.notEqual(odd.check.verdict, 'pass', `odd: AUC ${odd.auc} ${JSON.stringify(odd.aucCi)}`);
  assert.equal(view.passed + view.failed + view.tooFew, 4);
  assert.equal(view.passed, view.probes.filter((p) => p.check.verdict === 'pass').length);
});

test('/api/probes/:layer: an unprobed or unknown layer is a 404', async () => {
  for (const layer of ['fc', 'nope']) {
    await assert.rejects(handleApi(run, `/api/probes/${layer}`), (e: unknown) => e instanceof HttpError && e.status === 404 && /probes of layer/.test(e.message));
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy } from '../../src/store/npy.js';
import type { RunManifest } from '../../src/record/types.js';
import type { NeuronLabelsFile } from '../../src/neurons/caption-labels.js';
import type { ConceptLayer } from '../../src/concepts/types.js';
import { SEED_METHODS } from '../../src/demo/attribution-stage.js';
import { runDemo } from '../../src/demo/demo.js';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

test('demo --quick runs end to end on the shipped models and writes every artefact', { timeout: 1_200_000 }, async () => {
  // Under the test runner the output stays for the explorer's e2e tests (test/e2e/setup.ts).
  const shared = process.env.NEUROLENS_TEST_SHARED;
  const out = shared ? join(shared, 'demo') : join(mkdtempSync(join(tmpdir(), 'neurolens-demo-')), 'demo');
  const started = Date.now();
  const result = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'demo', '--quick', '--out', out], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const seconds = (Date.now() - started) / 1000;
  assert.match(result.stdout, /neurolens demo \(quick\): 300 emoji images/);
  assert.match(result.stdout, /caption clusters, level 1 \(\d+ clusters\) vs emoji subcategory: ARI -?\d\.\d{3}, purity \d\.\d{3}/);

  const labels = readFileSync(join(out, 'quick', 'labels.csv'), 'utf8').trim().split('\n');
  assert.equal(labels.length, 301);
  assert.equal(labels[0], 'path,name,short_name,category,subcategory,artwork,unified');

  for (const model of ['emoji-resnet', 'emoji-vit']) {
    const run = join(out, 'quick', 'runs', model);
    const manifest = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8')) as RunManifest;
    assert.equal(manifest.images.count, 300);
    assert.equal(manifest.images.skipped, 0);
    assert.ok(manifest.layers.length >= 4, `${model}: ${manifest.layers.length} default layers`);
    assert.deepEqual(manifest.model.classNames?.length, manifest.model.numClasses);
    const last = manifest.layers.at(-1)!;
    const acts = await readNpy(join(run, 'activations', `${last.id.replace(/[^A-Za-z0-9._-]/g, '_')}.mean.npy`));
    assert.deepEqual(acts.shape, [300, last.channels]);
    assert.ok((acts.data as Float32Array).some((v) => v !== 0));
    // The concept stage wrote one JSON per layer and a report.
    const concepts = JSON.parse(readFileSync(join(run, 'concepts', `${last.id.replace(/[^A-Za-z0-9._-]/g, '_')}.json`), 'utf8')) as ConceptLayer;
    assert.ok(concepts.clusters.length > 0);
    assert.ok(concepts.clusters.every((c) => c.caption.length > 0));
    assert.ok(existsSync(join(run, 'concepts', 'report.html')));
    // The neurons stage: rates for every layer, a sprite per neuron of the last layer.
    const summary = JSON.parse(readFileSync(join(run, 'neurons', 'summary.json'), 'utf8')) as { layers: { id: string; channels: number; meanRate: number }[] };
    assert.deepEqual(summary.layers.map((l) => l.id), manifest.layers.map((l) => l.id));
    // Exactly ⌈0.1·C⌉ neurons are active per image under the default rule.
    for (const l of summary.layers) assert.ok(Math.abs(l.meanRate - Math.ceil(0.1 * l.channels) / l.channels) < 1e-6, `${model} ${l.id}: mean rate ${l.meanRate}`);
    assert.ok(existsSync(join(run, 'neurons', 'thumbs', last.id.replace(/[^A-Za-z0-9._-]/g, '_'), `${last.channels - 1}.png`)));
    // Dissection against the demo's colour masks: every layer with a map is dissected.
    const dissection = JSON.parse(readFileSync(join(run, 'neurons', 'dissection.json'), 'utf8')) as { concepts: { name: string }[]; layers: { neurons: { label: string | null; iou: number }[] }[] };
    assert.ok(dissection.concepts.some((c) => c.name === 'red') && dissection.concepts.some((c) => c.name === 'white'));
    assert.equal(dissection.layers.length, manifest.layers.length);
    const labelled = dissection.layers.flatMap((l) => l.neurons).filter((n) => n.label !== null);
    assert.ok(labelled.every((n) => n.iou > 0.04));
    // Enrichment labels: every label significant, and no label spread over the layer the way one
    // large mixed cluster's caption once was (over 75 % of every layer).
    const labels = JSON.parse(readFileSync(join(run, 'neurons', 'labels.json'), 'utf8')) as NeuronLabelsFile;
    assert.deepEqual(labels.layers.map((l) => l.id), manifest.layers.map((l) => l.id));
    for (const l of labels.layers) {
      assert.ok(l.neurons.every((n) => (n.label !== null) === n.q < 0.05));
      assert.ok((l.topLabel?.count ?? 0) <= 0.2 * l.channels, `${model} ${l.id}: "${l.topLabel?.label}" on ${l.topLabel?.count} of ${l.channels}`);
    }
    // The attribution stage: maps for every chosen image × method, and their evaluation.
    const dir = join(run, 'attribution', 'demo');
    const attribution = JSON.parse(readFileSync(join(dir, 'attribution.json'), 'utf8')) as { entries: { name: string; method: string; files: { npy: string; png: string } }[] };
    const evaluation = JSON.parse(readFileSync(join(dir, 'eval.json'), 'utf8')) as { methods: string[]; images: unknown[]; aggregate: Record<string, { auc: { morf: { mean: number }; lerf: { mean: number } } }> };
    const methods = [...(model === 'emoji-vit' ? ['ablation-cam', 'score-cam', 'occlusion'] : ['cam', 'ablation-cam', 'score-cam', 'occlusion']), ...SEED_METHODS];
    assert.deepEqual(evaluation.methods, methods);
    assert.equal(attribution.entries.length, methods.length * evaluation.images.length);
    assert.ok(evaluation.images.length >= 16);
    for (const e of attribution.entries) {
      assert.ok(!e.name.startsWith('.'), `${e.name}: not a hidden file`);
      assert.ok(existsSync(join(dir, e.files.npy)) && existsSync(join(dir, e.files.png)), e.name);
    }
    // Occlusion is the most faithful method on these models: its MoRF curve falls below its LeRF curve.
    const occlusion = evaluation.aggregate.occlusion!.auc;
    assert.ok(occlusion.morf.mean < occlusion.lerf.mean, `${model}: occlusion MoRF ${occlusion.morf.mean} < LeRF ${occlusion.lerf.mean}`);
  }
  assert.match(result.stdout, /neurolens serve \S+emoji-resnet/);
  // The seed talk's table: both models, every gradient method with LeRF, MoRF and the smooth-matched random MoRF per model, the random row.
  assert.match(result.stdout, /pixel flipping on emoji-resnet \(16 images\), emoji-vit \(16 images\)/);
  for (const label of ['Grad×Input', 'Guided Backprop', 'Integrated Gradients', 'FullGrad', 'Guided IG', 'DGA', 'random map']) {
    assert.match(result.stdout, new RegExp(`^ {2}${label} +(\\d\\.\\d{3} +\\d\\.\\d{3}( ✗)?( +\\d\\.\\d{3})? *){2}$`, 'm'), label);
  }
  // A second run resumes: the finished recording is kept as it is, not recorded again. (Stopped at
  // the first analysis stage: the stages after it recompute from the run and are checked above.)
  const activations = join(out, 'quick', 'runs', 'emoji-resnet', 'activations');
  const before = readdirSync(activations).map((f) => [f, statSync(join(activations, f)).mtimeMs, readFileSync(join(activations, f))] as const);
  const steps: string[] = [];
  class Stop extends Error {}
  const again = runDemo({ quick: true, out }, {
    onStep: (message) => {
      steps.push(message);
      if (message.startsWith('concept hierarchy')) throw new Stop();
    },
  });
  await assert.rejects(again, Stop);
  assert.ok(steps.some((m) => m.startsWith('recording emoji-resnet')), steps.join('; '));
  for (const [file, mtime, bytes] of before) {
    assert.equal(statSync(join(activations, file)).mtimeMs, mtime, `${file} was written again`);
    assert.deepEqual(readFileSync(join(activations, file)), bytes, file);
  }
  process.stdout.write(`# demo --quick took ${seconds.toFixed(0)} s\n`);
});

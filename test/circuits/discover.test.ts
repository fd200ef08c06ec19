// Circuit discovery on recorded tiny runs (ResNet and ViT): roots are exactly the neurons whose T1
// holds the query, every edge goes l → l+1 with the SensitivityEngine's score and the T1 SFS, node
// activations are the run's top10 values, results are deterministic, a query by path matches the
// query by index, and the usage errors are one line.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { before, test } from 'node:test';
import { CircuitFinder, type CircuitQueryResult } from '../../src/circuits/discover.js';
import { loadReference, type Reference } from '../../src/circuits/reference.js';
import { SensitivityEngine } from '../../src/circuits/sensitivity.js';
import { semanticFlowScore } from '../../src/circuits/sfs.js';
import { NeurolensError } from '../../src/errors.js';
import { decodeImage } from '../../src/images/index.js';
import { loadModel } from '../../src/onnx/load.js';
import type { ModelProto } from '../../src/onnx/types.js';
import { layerFileStem } from '../../src/record/layout.js';
import { runImages, runManifest } from '../run/helpers.js';
import { record } from '../../src/record/recorder.js';
import { readNpy } from '../../src/store/npy.js';
import { tinyResNet, tinyVit } from '../fixtures/tiny-models.js';
import { makeWorkspace } from '../record/helpers.js';

const IMAGES = 120;

async function recordRun(model: ModelProto, poolings?: ('mean' | 'max' | 'top10')[], layers?: string[]): Promise<string> {
  const ws = await makeWorkspace(model, IMAGES, { broken: false });
  const run = join(ws.dir, 'run');
  await record({ model: ws.model, images: ws.images, out: run, threads: 1, ...(poolings ? { poolings } : {}), ...(layers ? { layers } : {}) });
  return run;
}

const withoutTime = (r: CircuitQueryResult) => JSON.stringify({ ...r, diagnostics: { ...r.diagnostics, seconds: 0 } });

/** The first run image (by index) whose query yields at least one circuit. */
async function queryWithCircuits(finder: CircuitFinder): Promise<CircuitQueryResult> {
  for (let index = 0; index < IMAGES; index++) {
    const result = await finder.find({ index });
    if (result.circuits.length > 0) return result;
  }
  throw new Error('no query of the tiny run has a circuit');
}

async function checkResult(run: string, result: CircuitQueryResult): Promise<void> {
  const manifest = await runManifest(run);
  const reference: Reference = await loadReference(run);
  const ids = reference.layers.map((l) => l.layer);
  const index = result.query.index!;
  assert.deepEqual(result.layers, manifest.layers.map((l) => ({ id: l.id, channels: l.channels })));

  // Roots: exactly the neurons (not of the last layer) whose T1 holds the query.
  const expectedRoots: string[] = [];
  for (const [l, layer] of reference.layers.slice(0, -1).entries()) {
    for (let c = 0; c < layer.channels; c++) if (layer.T1[c]!.includes(index)) expectedRoots.push(`${ids[l]}#${c}`);
  }
  assert.deepEqual(result.roots.map((r) => `${r.layer}#${r.channel}`), expectedRoots);

  // Recorded top10 activations of the query, to compare node activations with.
  const acts = new Map<string, Float32Array>();
  for (const id of ids) acts.set(id, (await readNpy(join(run, 'activations', `${layerFileStem(id)}.top10.npy`))).data as Float32Array);

  // An independent engine on the same model: its scores are what the edges must carry.
  const model = (await loadModel(manifest.model.path)).model;
  const engine = await SensitivityEngine.create(model, manifest.layers, { threads: 1, batch: 4 });
  try {
    const rows = await runImages(run);
    const prep = manifest.preprocessing;
    const decoded = await decodeImage(resolve(manifest.images.root, rows[index]!.path), prep);
    const clean = await engine.clean({ data: decoded.data, dims: [1, prep.channels, prep.height, prep.width] });
    const seenRoots = new Set<string>();
    for (const circuit of result.circuits) {
      assert.equal(circuit.id, `${circuit.root.layer}#${circuit.root.channel}`);
      assert.ok(result.roots.some((r) => r.layer === circuit.root.layer && r.channel === circuit.root.channel), 'a circuit starts at a root');
      assert.ok(!seenRoots.has(circuit.id));
      seenRoots.add(circuit.id);
      assert.ok(circuit.edges.length > 0);
      const nodeKeys = circuit.nodes.map((n) => `${n.layer}#${n.channel}`);
      assert.ok(nodeKeys.includes(circuit.id), 'the root is a node');
      for (const node of circuit.nodes) {
        const l = ids.indexOf(node.layer);
        const channels = reference.layers[l]!.channels;
        const recorded = acts.get(node.layer)![index * channels + node.channel]!;
        assert.ok(Math.abs(node.act - recorded) <= 1e-5 * Math.max(1, Math.abs(recorded)), `act of ${node.layer}#${node.channel}: ${node.act} vs recorded ${recorded}`);
        // A gated layer's node carries its own (positive) ablation effect; other nodes none.
        if (result.support?.layers.includes(node.layer)) assert.ok(node.support! > 0);
        else assert.equal(node.support, undefined);
        const r = node.region;
        assert.ok(r.x >= 0 && r.y >= 0 && r.width > 0 && r.width === r.height && r.x + r.width <= prep.width && r.y + r.height <= prep.height, 'region is a square inside the input');
      }
      const perLayer = ids.map((id) => circuit.nodes.filter((n) => n.layer === id).length);
      assert.deepEqual(circuit.summary, {
        nodes: circuit.nodes.length,
        edges: circuit.edges.length,
        layers: perLayer,
        meanSensitivity: circuit.edges.reduce((s, e) => s + e.sensitivity, 0) / circuit.edges.length,
      });
      for (const edge of circuit.edges) {
        const l = ids.indexOf(edge.from.layer);
        assert.equal(ids.indexOf(edge.to.layer), l + 1, 'every edge goes from layer l to l+1');
        assert.ok(nodeKeys.includes(`${edge.from.layer}#${edge.from.channel}`) && nodeKeys.includes(`${edge.to.layer}#${edge.to.channel}`));
        const [scores] = await engine.scores(l, clean, [edge.from.channel]);
        assert.ok(Math.abs(edge.sensitivity - scores![edge.to.channel]!) <= 1e-9, `sensitivity ${edge.sensitivity} vs engine ${scores![edge.to.channel]}`);
        assert.ok(edge.sensitivity > 0);
        const sfs = semanticFlowScore(reference.layers[l]!.T1[edge.from.channel]!, reference.layers[l + 1]!.T1[edge.to.channel]!);
        assert.equal(edge.sfs, sfs);
        assert.ok(edge.sfs > 0.1, 'the semantic cut keeps SFS above the floor');
        // The query is in the target's T10.
        assert.ok(acts.get(edge.to.layer)![index * reference.layers[l + 1]!.channels + edge.to.channel]! >= reference.layers[l + 1]!.theta10[edge.to.channel]!);
      }
    }
  } finally {
    await engine.close();
  }
  assert.equal(result.query.predicted.length, 5);
  const probs = result.query.predicted.map((p) => p.prob);
  assert.deepEqual(probs, [...probs].sort((a, b) => b - a));
  assert.ok(result.diagnostics.sources >= result.circuits.length && result.diagnostics.edgesConsidered >= 1);
}

let resnetRun: string;
let vitRun: string;
before(async () => {
  resnetRun = await recordRun(tinyResNet());
  vitRun = await recordRun(tinyVit());
});

// The seeded tiny ViT has activation-only circuits on 2 of its 120 images and none that pass the
// support gate, so its GCC mechanics are checked ungated (the gate: support.test.ts).
for (const [name, run, gate] of [['tinyResNet', () => resnetRun, {}], ['tinyVit', () => vitRun, { support: 'none' as const }]] as const) {
  test(`${name}: roots in T1, edges l → l+1 with engine scores and T1 SFS, deterministic`, async () => {
    const finder = await CircuitFinder.create(run(), { threads: 1, batch: 8, ...gate });
    let result: CircuitQueryResult;
    try {
      result = await queryWithCircuits(finder);
      await checkResult(run(), result);
      // Same finder again (sessions reused), and a fresh finder with another batch size: same JSON.
      assert.equal(withoutTime(await finder.find({ index: result.query.index! })), withoutTime(result));
    } finally {
      await finder.close();
    }
    const other = await CircuitFinder.create(run(), { threads: 1, batch: 3, ...gate });
    try {
      assert.equal(withoutTime(await other.find({ index: result.query.index! })), withoutTime(result));
    } finally {
      await other.close();
    }
  });
}

test('four layers (stem, two blocks, the pooled vector): deeper circuits pass the same checks', async () => {
  const run = await recordRun(tinyResNet(), undefined, ['relu', 'layer1.0', 'layer2.0', 'avgpool']);
  const finder = await CircuitFinder.create(run, { threads: 1, batch: 5 });
  try {
    let deepest = 0;
    for (let index = 0; index < IMAGES; index++) {
      const result = await finder.find({ index });
      if (result.circuits.length === 0) continue;
      await checkResult(run, result);
      const depth = Math.max(...result.circuits.map((c) => c.summary.layers.filter((n) => n > 0).length));
      deepest = Math.max(deepest, depth);
      if (deepest >= 3) break;
    }
    assert.ok(deepest >= 2, `some circuit spans ${deepest} layers`);
  } finally {
    await finder.close();
  }
});

test('query by path: the same circuits as by index; the image is named by its path', async () => {
  const finder = await CircuitFinder.create(resnetRun, { threads: 1 });
  try {
    const byIndex = await queryWithCircuits(finder);
    const file = finder.queryFile({ index: byIndex.query.index! }).file;
    const byPath = await finder.find({ image: file });
    assert.equal(byPath.query.index, undefined);
    assert.equal(byPath.query.image, file);
    const strip = (r: CircuitQueryResult) => withoutTime({ ...r, query: { image: '', predicted: r.query.predicted } });
    assert.equal(strip(byPath), strip(byIndex));
  } finally {
    await finder.close();
  }
});

test('percentile and layers: a higher percentile keeps no more edges; two layers chosen by id', async () => {
  const manifest = await runManifest(resnetRun);
  const finder = await CircuitFinder.create(resnetRun, { threads: 1, layers: manifest.layers.map((l) => l.id).reverse() });
  const strict = await CircuitFinder.create(resnetRun, { threads: 1, percentile: 99 });
  try {
    const result = await queryWithCircuits(finder);
    assert.deepEqual(result.layers.map((l) => l.id), manifest.layers.map((l) => l.id), 'layers are used in the run order');
    const fewer = await strict.find({ index: result.query.index! });
    assert.equal(fewer.percentile, 99);
    const count = (r: CircuitQueryResult) => new Set(r.circuits.flatMap((c) => c.edges.map((e) => JSON.stringify([e.from, e.to])))).size;
    assert.ok(count(fewer) <= count(result));
  } finally {
    await finder.close();
    await strict.close();
  }
});

test('errors are one-line NeurolensErrors: unknown layer, no top10 pooling, index out of range, unreadable image, bad percentile', async () => {
  const oneLine = (kind: string, pattern: RegExp) => (error: unknown) => {
    assert.ok(error instanceof NeurolensError, String(error));
    assert.equal(error.kind, kind);
    assert.ok(!error.message.includes('\n'), error.message);
    assert.match(error.message, pattern);
    return true;
  };
  await assert.rejects(CircuitFinder.create(resnetRun, { layers: ['layer1.0', 'nope'] }), oneLine('usage', /unknown layer\(s\) nope/));
  await assert.rejects(CircuitFinder.create(resnetRun, { layers: ['layer1.0'] }), oneLine('usage', /at least 2/));
  await assert.rejects(CircuitFinder.create(resnetRun, { percentile: 100 }), oneLine('usage', /percentile/));
  const meanOnly = await recordRun(tinyResNet(), ['mean']);
  await assert.rejects(CircuitFinder.create(meanOnly), oneLine('input', /without top10 pooling/));
  await assert.rejects(CircuitFinder.create(join(meanOnly, 'nothing-here')), oneLine('input', /not a finished run/));
  const finder = await CircuitFinder.create(resnetRun, { threads: 1 });
  try {
    await assert.rejects(finder.find({ index: IMAGES }), oneLine('usage', new RegExp(`query index ${IMAGES} .*0 to ${IMAGES - 1}`)));
    const bad = join(resnetRun, 'not-an-image.png');
    writeFileSync(bad, 'hello');
    await assert.rejects(finder.find({ image: bad }), oneLine('input', /not-an-image\.png/));
    await assert.rejects(finder.find({ image: join(resnetRun, 'missing.png') }), oneLine('input', /missing\.png/));
  } finally {
    await finder.close();
  }
  await assert.rejects(finder.find({ index: 0 }), oneLine('runtime', /closed/));
});


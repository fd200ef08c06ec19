// The circuit page's API fields: the circuit it opens on (by the stated rule), node labels and
// concept names (by the circuits' own naming rule), node flows, and reference crops whose URLs
// resolve through the files route — the circuits command's own crops first, the neurons stage's
// exemplar sprite otherwise — and the static export carrying those files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadConceptSets, neuronConcept } from '../../src/circuits/annotate.js';
import { CROPS_INDEX } from '../../src/circuits/crop-files.js';
import type { CircuitCropsFile, CircuitFile } from '../../src/circuits/formats.js';
import type { CircuitResponse, CircuitsResponse, SankeyNode } from '../../src/server/api.js';
import { defaultCircuit } from '../../src/server/circuit-index.js';
import { exportReport } from '../../src/server/export.js';
import { startServer, type ExplorerServer } from '../../src/server/server.js';
import { writeNpy } from '../../src/store/npy.js';
import { explorerFixture, type ExplorerFixture } from './helpers.js';

let fx: ExplorerFixture;
let server: ExplorerServer;
/** The concept cluster layer1.0 #3's top-10 % images were placed in (see before()). */
let planted: { caption: string; images: number[] };

const box = { x: 0, y: 0, width: 8, height: 8 };
const node = (layer: string, channel: number) => ({ layer, channel, region: box, act: 1 });
const verdict = (pass: boolean) => ({ basis: 'difference' as const, pass });
const check = (drop: number, pass: boolean) => ({ ablation: 'zero' as const, drop, rank: 0, random: { mean: 0.1, sd: 0.1, ci: [0, 0.2] as [number, number] }, difference: { mean: drop - 0.1, sd: 0.1, ci: [drop - 0.2, drop] as [number, number] }, ratio: null, verdict: verdict(pass) });

/** A circuit root → one target, with an effect when given. */
function circuit(root: number, target: number, effect?: ReturnType<typeof check>) {
  return {
    id: `layer1.0#${root}`,
    root: { layer: 'layer1.0', channel: root },
    nodes: [node('layer1.0', root), node('layer2.0', target)],
    edges: [{ from: { layer: 'layer1.0', channel: root }, to: { layer: 'layer2.0', channel: target }, sensitivity: 0.5, sfs: 0.5 }],
    summary: { nodes: 2, edges: 1, layers: [1, 1], meanSensitivity: 0.5 },
    ...(effect ? { effect } : {}),
  };
}

function doc(index: number, circuits: ReturnType<typeof circuit>[]): CircuitFile {
  return {
    format: 'neurolens-circuits',
    formatVersion: 1,
    query: { index, image: `red/${index}.png`, predicted: [{ class: 0, logit: 1 }] },
    percentile: 90,
    layers: [{ id: 'layer1.0', channels: 8 }, { id: 'layer2.0', channels: 16 }],
    roots: circuits.map((c) => c.root),
    circuits,
    diagnostics: { sources: 1, edgesConsidered: 1 },
  } as unknown as CircuitFile;
}

const json = (path: string, value: unknown) => writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);

before(async () => {
  fx = await explorerFixture();
  const dir = join(fx.run, 'circuits');
  // Ranked by drop as the circuits command stores them: the largest drop fails its check.
  json(join(dir, 'passing.json'), doc(2, [circuit(3, 5, check(0.9, false)), circuit(4, 7, check(0.5, true)), circuit(1, 7, check(0.3, true))]));
  json(join(dir, 'failing.json'), doc(3, [circuit(4, 7, check(0.2, false)), circuit(3, 5, check(0.4, false))]));
  json(join(dir, 'old.json'), doc(4, [circuit(1, 7), circuit(3, 5)]));
  // The circuits command's crops for layer1.0 #3 (one image no longer readable: no file).
  mkdirSync(join(fx.run, 'circuits', 'crops', 'layer1.0'), { recursive: true });
  writeFileSync(join(fx.run, 'circuits', 'crops', 'layer1.0', '3.0.png'), await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 200, g: 0, b: 0 } } }).png().toBuffer());
  const crops: CircuitCropsFile = {
    format: 'neurolens-circuit-crops',
    formatVersion: 1,
    size: 64,
    neurons: [
      {
        layer: 'layer1.0',
        channel: 3,
        images: [
          { index: 2, path: 'red/2.png', act: 3, region: { x: 1, y: 1, width: 4, height: 4 }, file: 'circuits/crops/layer1.0/3.0.png' },
          { index: 5, path: 'red/5.png', act: 2, region: box, file: null },
        ],
      },
      // A tampered entry pointing outside the crops folder is never offered as a URL.
      { layer: 'layer1.0', channel: 4, images: [{ index: 1, path: 'red/1.png', act: 1, region: box, file: '../manifest.json' }] },
    ],
  };
  json(join(fx.run, CROPS_INDEX), crops);
  // A top10 matrix (the fixture records mean only) whose channel 3 ranks the images of one small
  // concept cluster first, so that neuron gets a name by the circuits' rule; the others are noise.
  const sets = await loadConceptSets(fx.run);
  const small = [...sets].filter((s) => s.images.size >= 3).sort((a, b) => a.images.size - b.images.size || a.id.localeCompare(b.id))[0]!;
  const images = 24;
  const top = [...small.images].sort((a, b) => a - b).slice(0, 3);
  const matrix = new Float32Array(images * 8);
  for (let i = 0; i < images; i++) for (let c = 0; c < 8; c++) matrix[i * 8 + c] = ((i * 7 + c * 3) % 11) / 11;
  for (const i of top) matrix[i * 8 + 3] = 5 + i / 100;
  await writeNpy(join(fx.run, 'activations', 'layer1.0.top10.npy'), matrix, [images, 8]);
  const expected = neuronConcept(top, sets, images);
  assert.ok(expected, 'the planted cluster is significant for channel 3');
  planted = { caption: expected.caption, images: top };
  server = await startServer({ run: fx.run, port: 0, webDir: fx.web });
});
after(() => server.close());

async function get<T>(path: string): Promise<T> {
  const res = await fetch(new URL(path, server.url));
  assert.equal(res.status, 200, `${path} → ${res.status}`);
  return (await res.json()) as T;
}

const nodeOf = (c: CircuitResponse, circuitId: string, id: string): SankeyNode => c.sankey.find((s) => s.id === circuitId)!.nodes.find((n) => n.id === id)!;

test('default circuit: the largest drop among passing circuits, else the largest drop (failing), else the first', async () => {
  assert.deepEqual((await get<CircuitResponse>('/api/circuits/passing')).default, { id: 'layer1.0#4', basis: 'passing' });
  assert.deepEqual((await get<CircuitResponse>('/api/circuits/failing')).default, { id: 'layer1.0#3', basis: 'failing' });
  assert.deepEqual((await get<CircuitResponse>('/api/circuits/old')).default, { id: 'layer1.0#1', basis: 'unmeasured' });
  assert.deepEqual(defaultCircuit(doc(1, [])), { id: null, basis: 'none' });
  // The list says per query which circuit its page opens on, with that circuit's drop.
  const list = await get<CircuitsResponse>('/api/circuits');
  const byName = new Map(list.queries.map((q) => [q.name, q.default]));
  assert.deepEqual(byName.get('passing'), { id: 'layer1.0#4', basis: 'passing', drop: 0.5 });
  assert.deepEqual(byName.get('failing'), { id: 'layer1.0#3', basis: 'failing', drop: 0.4 });
  assert.deepEqual(byName.get('old'), { id: 'layer1.0#1', basis: 'unmeasured', drop: null });
  // Ties keep the stored order.
  assert.deepEqual(defaultCircuit(doc(1, [circuit(1, 5, check(0.5, true)), circuit(2, 5, check(0.5, true))])), { id: 'layer1.0#1', basis: 'passing' });
});

test('node labels: concept name and channel; the concept by the circuits naming rule, else the neurons stage label', async () => {
  const c = await get<CircuitResponse>('/api/circuits/passing');
  const named = nodeOf(c, 'layer1.0#3', 'layer1.0#3');
  assert.equal(named.concept?.caption, planted.caption);
  assert.equal(named.concept?.top, 3);
  assert.ok(named.concept!.p < named.concept!.bound);
  assert.equal(named.label, `${planted.caption} · #3`);
  // layer2.0 has no top10 matrix: no concept; its neurons stage label names it.
  const labelled = nodeOf(c, 'layer1.0#3', 'layer2.0#5');
  assert.equal(labelled.concept, null);
  assert.equal(labelled.neuronLabel?.text, 'red square');
  assert.equal(labelled.label, 'red square · #5');
  assert.equal(nodeOf(c, 'layer1.0#4', 'layer2.0#7').label, '#7');
  for (const s of c.sankey) for (const n of s.nodes) assert.match(n.label, new RegExp(`#${n.channel}$`));
  // Flows: sums of the node's edge sensitivities in its circuit.
  assert.deepEqual([named.inflow, named.outflow, labelled.inflow, labelled.outflow], [0, 0.5, 0.5, 0]);
});

test('node crops: the circuits command\'s PNGs, else the neurons sprite; every URL resolves, tampered paths are dropped', async () => {
  const c = await get<CircuitResponse>('/api/circuits/passing');
  const own = nodeOf(c, 'layer1.0#3', 'layer1.0#3').crops!;
  assert.equal(own.source, 'circuits');
  assert.deepEqual(own.images.map((i) => [i.index, i.crop, i.region]), [[2, 'circuits/crops/layer1.0/3.0.png', { x: 1, y: 1, width: 4, height: 4 }], [5, null, box]]);
  const sprite = nodeOf(c, 'layer1.0#3', 'layer2.0#5').crops!;
  assert.equal(sprite.source, 'neurons');
  assert.deepEqual(sprite.sprite, { file: 'neurons/thumbs/layer2.0/5.png', tile: 16 });
  assert.deepEqual(sprite.images.map((i) => [i.index, i.tile, i.region]), [[3, 0, { x: 1, y: 2, width: 4, height: 4 }], [1, 1, null]]);
  assert.equal(nodeOf(c, 'layer1.0#4', 'layer1.0#4').crops!.images[0]!.crop, null, 'a path outside circuits/crops is not served');
  assert.equal(nodeOf(c, 'layer1.0#4', 'layer2.0#7').crops, null, 'no crops anywhere: null');
  for (const file of [own.images[0]!.crop!, sprite.sprite!.file]) {
    const res = await fetch(new URL(`/files/${file}`, server.url));
    assert.equal(res.status, 200, file);
    assert.equal(res.headers.get('content-type'), 'image/png');
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    assert.ok((meta.width ?? 0) > 0, `${file} is a real PNG`);
  }
});

test('static export carries every crop and sprite a circuit response names', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'neurolens-circuit-export-')), 'site');
  await exportReport({ run: fx.run, out, webDir: fx.web, thumbs: false });
  for (const rel of ['circuits/crops/layer1.0/3.0.png', 'neurons/thumbs/layer2.0/5.png']) assert.ok(existsSync(join(out, 'files', rel)), rel);
  assert.ok(!existsSync(join(out, 'files', 'manifest.json')), 'the tampered entry was not followed');
});

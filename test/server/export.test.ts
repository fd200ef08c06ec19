import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NeurolensError } from '../../src/errors.js';
import { canonicalEndpoint, fileUrl, NEURON_SORTS, STATIC_CALLBACK, STATIC_FLAG, staticDataPath, thumbUrl, type OverviewResponse } from '../../src/server/api.js';
import { exportReport, type ExportProgress } from '../../src/server/export.js';
import { startServer, type ExplorerServer } from '../../src/server/server.js';
import { snapshotFiles } from '../record/helpers.js';
import { explorerFixture, type ExplorerFixture } from './helpers.js';

let fx: ExplorerFixture;
let server: ExplorerServer;

before(async () => {
  fx = await explorerFixture();
  server = await startServer({ run: fx.run, port: 0, webDir: fx.web });
});
after(() => server.close());

/** The endpoint and JSON of a data script (strips the callback wrapper). */
function parseScript(text: string): { endpoint: string; json: unknown } {
  const prefix = `window.${STATIC_CALLBACK}(`;
  assert.ok(text.startsWith(prefix) && text.endsWith(');\n'), text.slice(0, 80));
  const inner = text.slice(prefix.length, -3);
  const comma = inner.indexOf('",') + 1;
  return { endpoint: JSON.parse(inner.slice(0, comma)) as string, json: JSON.parse(inner.slice(comma + 1)) };
}

test('staticDataPath: deterministic, file-name-safe, query keys sorted, distinct endpoints distinct', () => {
  assert.equal(staticDataPath('/api/neuron/layer1.0/3'), 'data/api/neuron/layer1.0/3.js');
  assert.equal(staticDataPath('/api/overview'), 'data/api/overview.js');
  assert.equal(staticDataPath('/api/images?offset=0&limit=100'), 'data/api/images__limit=100__offset=0.js');
  assert.equal(staticDataPath('/api/images?limit=100&offset=0'), staticDataPath('/api/images?offset=0&limit=100'));
  assert.equal(staticDataPath('/api/neuron/blocks%2F0%3Aattn/1'), 'data/api/neuron/blocks_2F0_3Aattn/1.js');
  assert.equal(staticDataPath('/api/neuron/blocks%2F0%3Aattn/1'), staticDataPath('/api/neuron/blocks/0:attn/1'.replace('/0:', '%2F0%3A')));
  assert.equal(staticDataPath('/api/concepts/..'), 'data/api/concepts/_2E_2E.js');
  assert.notEqual(staticDataPath('/api/neuron/a_2F/1'), staticDataPath('/api/neuron/a%2F/1'));
  assert.equal(canonicalEndpoint('/api/images?offset=0&q=&limit=100'), '/api/images?limit=100&offset=0');
  assert.equal(fileUrl('neurons/thumbs/a b/1.png', true), 'files/neurons/thumbs/a%20b/1.png');
  assert.equal(fileUrl('neurons/thumbs/a b/1.png', false), '/files/neurons/thumbs/a%20b/1.png');
  assert.equal(thumbUrl(3, 64, false), '/thumb/3?size=64');
  assert.equal(thumbUrl(3, 64, true), 'thumb/3.png');
});

test('report: the app with the static flag, every endpoint as a data script matching the API, thumbnails, files', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'neurolens-report-')), 'site');
  const events: ExportProgress[] = [];
  const result = await exportReport({ run: fx.run, out, webDir: fx.web, onProgress: (p) => events.push(p) });
  const html = readFileSync(join(out, 'index.html'), 'utf8');
  assert.ok(html.indexOf(`window.${STATIC_FLAG}=true`) >= 0 && html.indexOf(`window.${STATIC_FLAG}=true`) < html.indexOf('assets/app.js'));
  assert.equal(readFileSync(join(out, 'assets', 'app.js'), 'utf8'), 'console.log("app");\n');

  const overview = (await (await fetch(new URL('/api/overview', server.url))).json()) as OverviewResponse;
  const expected = [
    '/api/overview',
    '/api/layers/layer2.0/neurons?limit=100&offset=0&sort=rate',
    '/api/layers/layer2.0/neurons?limit=100&offset=0&sort=maxact',
    '/api/layers/fc/neurons?limit=100&offset=0&sort=index',
    '/api/neuron/layer2.0/5',
    '/api/neuron/layer1.0/7',
    '/api/concepts/layer1.0',
    '/api/circuits',
    '/api/circuits/img1',
    '/api/probes',
    '/api/probes/layer2.0',
    '/api/attribution',
    '/api/attribution/occl',
    '/api/images?limit=100&offset=0',
    '/api/image/0',
    '/api/image/23',
  ];
  for (const endpoint of expected) {
    const file = join(out, staticDataPath(endpoint));
    assert.ok(existsSync(file), `${endpoint} → ${file}`);
    const { endpoint: said, json } = parseScript(readFileSync(file, 'utf8'));
    assert.equal(said, canonicalEndpoint(endpoint));
    const api = await (await fetch(new URL(endpoint, server.url))).json();
    assert.deepEqual(json, api, endpoint);
  }
  const neuronCount = overview.layers.reduce((s, l) => s + l.channels, 0);
  // overview, neuron pages (every sort) and neurons, concepts, circuits, probes (list + one layer), attribution, images.
  assert.equal(result.endpoints, 1 + overview.layers.length * NEURON_SORTS.length + neuronCount + 2 + 2 + 2 + 2 + 1 + 24);
  for (let i = 0; i < 24; i++) assert.equal(readFileSync(join(out, 'thumb', `${i}.png`)).subarray(1, 4).toString(), 'PNG');
  assert.ok(existsSync(join(out, 'files', 'neurons', 'thumbs', 'layer2.0', '5.png')));
  assert.ok(existsSync(join(out, 'files', 'attribution', 'occl', 'red_0.occlusion.png')));
  assert.ok(existsSync(join(out, 'files', 'circuits', 'img1.html')));
  assert.ok(!existsSync(join(out, 'files', 'manifest.json')), 'only referenced files are copied');
  const last = (phase: string) => events.filter((e) => e.phase === phase).at(-1)!;
  assert.equal(last('data').done, last('data').total);
  assert.equal(last('thumbs').done, 24);

  // Deterministic: a second export over the first gives identical files.
  const first = snapshotFiles(out);
  await exportReport({ run: fx.run, out, webDir: fx.web });
  const second = snapshotFiles(out);
  assert.deepEqual([...second.keys()].sort(), [...first.keys()].sort());
  for (const [name, bytes] of first) assert.ok(bytes.equals(second.get(name)!), name);
});

test('report: refuses a non-empty foreign folder and a folder inside the run', async () => {
  const foreign = mkdtempSync(join(tmpdir(), 'neurolens-foreign-'));
  writeFileSync(join(foreign, 'keep.txt'), 'mine');
  await assert.rejects(exportReport({ run: fx.run, out: foreign, webDir: fx.web, thumbs: false }), (e: Error) => e instanceof NeurolensError && /--out/.test(e.message));
  assert.equal(readFileSync(join(foreign, 'keep.txt'), 'utf8'), 'mine');
  await assert.rejects(exportReport({ run: fx.run, out: join(fx.run, 'site'), webDir: fx.web, thumbs: false }), (e: Error) => e instanceof NeurolensError && /inside the run/.test(e.message));
  assert.ok(!existsSync(join(fx.run, 'site')), 'nothing is created inside the run');
});

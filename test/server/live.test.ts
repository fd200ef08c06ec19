import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { openRunAblation } from '../../src/maps/ablate.js';
import type { LiveResponse } from '../../src/server/api.js';
import type { RunManifest } from '../../src/record/types.js';
import { exportReport } from '../../src/server/export.js';
import { startServer, type ExplorerServer } from '../../src/server/server.js';
import { explorerFixture, type ExplorerFixture } from './helpers.js';

let fx: ExplorerFixture;
let server: ExplorerServer;
let manifest: RunManifest;

before(async () => {
  fx = await explorerFixture();
  manifest = JSON.parse(readFileSync(join(fx.run, 'manifest.json'), 'utf8')) as RunManifest;
  server = await startServer({ run: fx.run, port: 0, webDir: fx.web });
});
after(() => server.close());

async function get(base: string, path: string, method = 'GET'): Promise<{ status: number; type: string | null; bytes: Buffer }> {
  const response = await fetch(new URL(path, base), { method });
  return { status: response.status, type: response.headers.get('content-type'), bytes: Buffer.from(await response.arrayBuffer()) };
}

/** A copy of the fixture run whose manifest names `model` as its model path. */
async function runNaming(model: string): Promise<ExplorerServer> {
  const dir = join(mkdtempSync(join(tmpdir(), 'neurolens-live-')), 'run');
  cpSync(fx.run, dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, model: { ...manifest.model, path: model } }, null, 2));
  return startServer({ run: dir, port: 0, webDir: fx.web });
}

test('/api/live names the model file, its input and every recorded layer', async () => {
  const live = JSON.parse((await get(server.url, '/api/live')).bytes.toString('utf8')) as LiveResponse;
  assert.equal(live.model.url, `live/model/${encodeURIComponent(basename(manifest.model.path))}`);
  assert.equal(live.model.problem, undefined);
  assert.deepEqual(live.input, { name: manifest.model.input.name, dims: [1, 3, 16, 16], url: 'live/input/' });
  assert.equal(live.output, manifest.model.output);
  assert.deepEqual(live.layers.map((l) => [l.id, l.tensor, l.channels]), manifest.layers.map((l) => [l.id, l.tensor, l.channels]));
});

test('/live/model/NAME serves exactly the file the manifest names (GET and HEAD)', async () => {
  const name = encodeURIComponent(basename(manifest.model.path));
  const got = await get(server.url, `/live/model/${name}`);
  assert.equal(got.status, 200);
  assert.equal(got.type, 'application/octet-stream');
  assert.deepEqual(got.bytes, readFileSync(manifest.model.path));
  // A query string cannot redirect it.
  assert.deepEqual((await get(server.url, `/live/model/${name}?path=/etc/passwd`)).bytes, readFileSync(manifest.model.path));
  const head = await get(server.url, `/live/model/${name}`, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.bytes.length, 0);
});

test('the model route refuses every path the manifest does not name', async () => {
  const name = encodeURIComponent(basename(manifest.model.path));
  const model = readFileSync(manifest.model.path);
  for (const path of [
    '/live/model/',
    '/live/model/other.onnx',
    '/live/model/manifest.json',
    `/live/model/${name.toUpperCase()}`,
    `/live/model/${name}/x`,
    `/live/model/x/${name}`,
    `/live/model/..%2F${name}`,
    '/live/model/..%2Fmanifest.json',
    '/live/model/%2Fetc%2Fpasswd',
    '/live/model//etc/passwd',
    `/live/model/.%2F${name}`,
    `/live/model/${name}%00`,
  ]) {
    const got = await get(server.url, path);
    assert.ok(got.status === 404 || got.status === 403, `${path}: ${got.status}`);
    assert.match(got.bytes.toString('utf8'), /^\{"error":/, path);
    assert.notDeepEqual(got.bytes, model, path);
  }
});

test('a missing or replaced model: /api/live says so with the fix, and the model route serves nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurolens-live-model-'));
  const gone = join(dir, 'gone.onnx');
  const missing = await runNaming(gone);
  try {
    const live = JSON.parse((await get(missing.url, '/api/live')).bytes.toString('utf8')) as LiveResponse;
    assert.equal(live.model.url, null);
    assert.match(live.model.problem!, /gone\.onnx \(model\.path in the run's manifest\.json\) is missing; put the model back at that path and reload/);
    const refused = await get(missing.url, '/live/model/gone.onnx');
    assert.equal(refused.status, 404);
    assert.match(refused.bytes.toString('utf8'), /is missing; put the model back/);

    // Same size, other bytes: not the recorded model (caught by its sha256).
    const bytes = Buffer.from(readFileSync(manifest.model.path));
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(gone, bytes);
    const changed = JSON.parse((await get(missing.url, '/api/live')).bytes.toString('utf8')) as LiveResponse;
    assert.equal(changed.model.url, null);
    assert.match(changed.model.problem!, /gone\.onnx is not the model this run recorded \(its sha256 differs\); restore the recorded model/);
    assert.equal((await get(missing.url, '/live/model/gone.onnx')).status, 404);

    // Put back: served.
    writeFileSync(gone, readFileSync(manifest.model.path));
    assert.equal((await get(missing.url, '/live/model/gone.onnx')).status, 200);
  } finally {
    await missing.close();
  }
});

test('/live/input/INDEX is the tensor the Node pipeline feeds the model (raw float32)', async () => {
  const ablation = await openRunAblation(fx.run, { threads: 1 });
  try {
    for (const index of [0, 5]) {
      const got = await get(server.url, `/live/input/${index}`);
      assert.equal(got.status, 200);
      const floats = new Float32Array(got.bytes.buffer, got.bytes.byteOffset, got.bytes.length / 4);
      const want = (await ablation.loadImage({ index })).data as Float32Array;
      assert.equal(floats.length, 3 * 16 * 16);
      assert.deepEqual(Array.from(floats), Array.from(want));
    }
  } finally {
    await ablation.close();
  }
  for (const bad of ['/live/input/999', '/live/input/x', '/live/input/-1', '/live/input/1/2']) assert.equal((await get(server.url, bad)).status, 404, bad);
});

test('the static export leaves live interventions out: no wasm runtime, no model, no /api/live data', async () => {
  const web = mkdtempSync(join(tmpdir(), 'neurolens-live-web-'));
  cpSync(fx.web, web, { recursive: true });
  mkdirSync(join(web, 'ort'));
  writeFileSync(join(web, 'ort', 'ort-wasm-simd-threaded.wasm'), 'wasm');
  const out = join(mkdtempSync(join(tmpdir(), 'neurolens-live-export-')), 'site');
  await exportReport({ run: fx.run, out, webDir: web });
  assert.ok(existsSync(join(out, 'index.html')));
  assert.ok(!existsSync(join(out, 'ort')), 'the 14 MB runtime is not copied');
  assert.ok(!existsSync(join(out, 'live')));
  assert.ok(!existsSync(join(out, 'data', 'api', 'live.js')));
});

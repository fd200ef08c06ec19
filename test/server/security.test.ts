import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NeurolensError } from '../../src/errors.js';
import { isLoopback, MAX_URL_BYTES, startServer, type ExplorerServer } from '../../src/server/server.js';
import { explorerFixture, rawRequest, type ExplorerFixture } from './helpers.js';

let fx: ExplorerFixture;
let server: ExplorerServer;

before(async () => {
  fx = await explorerFixture();
  const outside = mkdtempSync(join(tmpdir(), 'neurolens-outside-'));
  writeFileSync(join(outside, 'secret.txt'), 'secret');
  symlinkSync(join(outside, 'secret.txt'), join(fx.run, 'link-out.txt'));
  symlinkSync(outside, join(fx.run, 'dir-out'));
  mkdirSync(join(fx.run, 'notes'));
  writeFileSync(join(fx.run, 'notes', 'a.txt'), 'inside');
  symlinkSync(join(fx.run, 'notes', 'a.txt'), join(fx.run, 'link-in.txt'));
  server = await startServer({ run: fx.run, port: 0, webDir: fx.web });
});
after(() => server.close());

test('files: a file inside RUN is served with its content type', async () => {
  const ok = await rawRequest(server.url, '/files/manifest.json');
  assert.equal(ok.status, 200);
  assert.match(String(ok.headers['content-type']), /application\/json/);
  assert.equal(JSON.parse(ok.body).format, 'neurolens-run');
  const html = await rawRequest(server.url, '/files/circuits/img1.html');
  assert.match(String(html.headers['content-type']), /text\/html/);
  assert.equal((await rawRequest(server.url, '/files/link-in.txt')).body, 'inside');
});

test('files: traversal, absolute paths, encoded tricks, NUL and outside symlinks are refused', async () => {
  const attempts = [
    '/files/../manifest.json',
    '/files/concepts/../../x',
    '/files/%2e%2e/x',
    '/files/%2E%2E%2Fmanifest.json',
    '/files/concepts%2f..%2f..%2fx',
    '/files/..%5c..%5cx',
    '/files//etc/passwd',
    '/files/%2fetc%2fpasswd',
    '/files/manifest.json%00.png',
    '/files/link-out.txt',
    '/files/dir-out/secret.txt',
    '/files/./manifest.json',
  ];
  for (const path of attempts) {
    const res = await rawRequest(server.url, path);
    assert.ok(res.status === 403 || res.status === 404, `${path} → ${res.status}`);
    assert.doesNotMatch(res.body, /secret|neurolens-run/, path);
    assert.ok(typeof JSON.parse(res.body).error === 'string', path);
  }
  // Directories are never listed; missing files are 404.
  assert.equal((await rawRequest(server.url, '/files/concepts')).status, 404);
  assert.equal((await rawRequest(server.url, '/files/concepts/')).status, 404);
  assert.equal((await rawRequest(server.url, '/files/nope.json')).status, 404);
  assert.equal((await rawRequest(server.url, '/assets/../../etc/passwd')).status, 403);
});

test('methods, bodies and URL length are limited; errors are JSON without stacks', async () => {
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
    const res = await rawRequest(server.url, '/api/overview', method);
    assert.equal(res.status, 405, method);
    assert.equal(res.headers.allow, 'GET, HEAD');
  }
  const withBody = await rawRequest(server.url, '/api/overview', 'GET', 'x');
  assert.equal(withBody.status, 413);
  const long = await rawRequest(server.url, `/api/images?q=${'a'.repeat(MAX_URL_BYTES)}`);
  assert.equal(long.status, 414);
  const head = await rawRequest(server.url, '/api/overview', 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
  const bad = await rawRequest(server.url, '/api/neuron/%E0%A4%A/1');
  assert.equal(bad.status, 400);
  assert.doesNotMatch(bad.body, /at .*\.ts:\d+/);
});

test('host: loopback by default, a warning for others; a busy port is a one-line error naming --port', async () => {
  assert.equal(server.host, '127.0.0.1');
  assert.ok(isLoopback('127.0.0.1') && isLoopback('::1') && isLoopback('localhost'));
  assert.ok(!isLoopback('0.0.0.0') && !isLoopback('192.168.1.2'));
  const warnings: string[] = [];
  const open = await startServer({ run: fx.run, port: 0, host: '0.0.0.0', webDir: fx.web, onWarning: (w) => warnings.push(w) });
  await open.close();
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /0\.0\.0\.0/);
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as { port: number }).port;
  try {
    await assert.rejects(startServer({ run: fx.run, port, webDir: fx.web }), (err: Error) => err instanceof NeurolensError && /--port/.test(err.message) && !err.message.includes('\n'));
  } finally {
    blocker.close();
  }
});

test('a missing app build or a folder that is not a run are clear errors', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'neurolens-noweb-'));
  await assert.rejects(startServer({ run: fx.run, port: 0, webDir: empty }), (err: Error) => err instanceof NeurolensError && /npm run build/.test(err.message));
  await assert.rejects(startServer({ run: empty, port: 0, webDir: fx.web }), (err: Error) => err instanceof NeurolensError && /manifest\.json/.test(err.message));
});

test('host: a Host header that is not this server is refused (DNS rebinding); loopback names pass', async () => {
  const port = server.port;
  for (const host of ['attacker.example', `attacker.example:${port}`, `127.0.0.1.attacker.example:${port}`, `localhost:${port + 1}`, `0.0.0.0:${port}`, `[::2]:${port}`]) {
    for (const path of ['/api/overview', '/files/manifest.json', '/', '/thumb/0']) {
      const res = await rawRequest(server.url, path, 'GET', undefined, { Host: host });
      assert.equal(res.status, 403, `${JSON.stringify(host)} ${path}`);
      assert.doesNotMatch(res.body, /neurolens-run|layer1\.0/);
      assert.match(JSON.parse(res.body).error, /not this explorer's address/);
    }
  }
  for (const host of [`localhost:${port}`, `LOCALHOST:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
    assert.equal((await rawRequest(server.url, '/api/overview', 'GET', undefined, { Host: host })).status, 200, host);
  }
});

test('host: a server bound to all interfaces accepts the address a request arrived on', async () => {
  const open = await startServer({ run: fx.run, port: 0, host: '0.0.0.0', webDir: fx.web });
  try {
    const url = `http://127.0.0.1:${open.port}/`;
    assert.equal((await rawRequest(url, '/api/overview')).status, 200);
    assert.equal((await rawRequest(url, '/api/overview', 'GET', undefined, { Host: `evil.example:${open.port}` })).status, 403);
  } finally {
    await open.close();
  }
});

test('app files: a missing file with an extension is 404, not index.html; routes still get the app', async () => {
  for (const path of ['/favicon.ico', '/robots.txt', '/assets/missing.js', '/deep/missing.png']) {
    const res = await rawRequest(server.url, path);
    assert.equal(res.status, 404, path);
    assert.doesNotMatch(res.body, /<!doctype html>/i, path);
  }
  for (const path of ['/', '/neuron/layer1.0', '/index.html']) {
    const res = await rawRequest(server.url, path);
    assert.equal(res.status, 200, path);
    assert.match(res.body, /<!doctype html>/i, path);
  }
  assert.equal((await rawRequest(server.url, '/assets/app.js')).status, 200);
});

test('api: analysis files and folders that are symlinks leading out of RUN are not read or listed', async () => {
  const outside = mkdtempSync(join(tmpdir(), 'neurolens-outside-api-'));
  const secret = (extra: object) => `${JSON.stringify({ secretMarker: 'SECRET', ...extra })}\n`;
  writeFileSync(join(outside, 'attribution.json'), secret({ protocol: {}, entries: [{ name: 'x', path: 'SECRET.png', method: 'SECRET', files: {} }], skipped: [] }));
  writeFileSync(join(outside, 'eval.json'), secret({ methods: ['SECRET'] }));
  writeFileSync(join(outside, 'SECRET.png'), 'png');
  const conceptsDoc = JSON.parse(readFileSync(join(fx.run, 'concepts', 'layer1.0.json'), 'utf8'));
  writeFileSync(join(outside, 'concepts.json'), secret({ ...conceptsDoc, layer: { ...conceptsDoc.layer, id: 'layer2.0' }, clusters: conceptsDoc.clusters.map((c: { caption: string }) => ({ ...c, caption: 'SECRET' })) }));
  const circuit = JSON.parse(readFileSync(join(fx.run, 'circuits', 'img1.json'), 'utf8'));
  writeFileSync(join(outside, 'circuit.json'), secret(circuit));
  writeFileSync(join(outside, 'probes.json'), secret({ ...JSON.parse(readFileSync(join(fx.run, 'probes', 'layer2.0.json'), 'utf8')), pooling: 'SECRET' }));
  writeFileSync(join(outside, 'dissection.json'), secret({ layers: [{ id: 'layer1.0', neurons: [{ channel: 0, label: 'SECRET' }] }] }));
  symlinkSync(outside, join(fx.run, 'attribution', 'evil'));
  mkdirSync(join(fx.run, 'attribution', 'mixed'));
  symlinkSync(join(outside, 'attribution.json'), join(fx.run, 'attribution', 'mixed', 'attribution.json'));
  symlinkSync(join(outside, 'eval.json'), join(fx.run, 'attribution', 'mixed', 'eval.json'));
  symlinkSync(join(outside, 'concepts.json'), join(fx.run, 'concepts', 'evil.json'));
  symlinkSync(join(outside, 'circuit.json'), join(fx.run, 'circuits', 'evil.json'));
  symlinkSync(join(outside, 'probes.json'), join(fx.run, 'probes', 'evil.json'));
  symlinkSync(join(outside, 'dissection.json'), join(fx.run, 'neurons', 'dissection.json'));
  for (const path of ['/api/attribution/evil', '/api/attribution/mixed', '/api/circuits/evil']) {
    const res = await rawRequest(server.url, path);
    assert.equal(res.status, 404, path);
    assert.doesNotMatch(res.body, /SECRET/, path);
  }
  for (const path of ['/api/overview', '/api/attribution', '/api/circuits', '/api/concepts/layer2.0', '/api/neuron/layer1.0/0', '/api/neuron/layer2.0/5', '/api/layers/layer1.0/neurons']) {
    const res = await rawRequest(server.url, path);
    assert.ok(res.status === 200 || res.status === 404, `${path} → ${res.status}`);
    assert.doesNotMatch(res.body, /SECRET|evil/, path);
  }
  // What was there before is still served.
  const listed = JSON.parse((await rawRequest(server.url, '/api/attribution')).body) as { runs: { name: string }[] };
  assert.deepEqual(listed.runs.map((r) => r.name), ['occl']);
});

// `--device cuda` on the commands that run a model, where onnxruntime-node's CUDA provider is not
// installed (this project's test machines): one line naming CUDA and the install fix, a non-zero
// exit, and the run exactly as it was (no new file or folder, nothing already computed lost).
// Where the CUDA provider IS installed these commands would succeed, so the test is skipped there.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { before, test } from 'node:test';
import { buildProgram } from '../../src/cli/program.js';
import { ModelSession } from '../../src/runtime/session.js';
import { encodeModel } from '../../src/onnx/codec.js';
import { record } from '../../src/record/recorder.js';
import { tinyResNet } from '../fixtures/tiny-models.js';
import { runInProcess, spawnCli } from '../helpers/cli.js';
import { makeWorkspace } from '../record/helpers.js';

/** Every file and folder under `root`: relative path → SHA-256 of its bytes ('' for a folder). */
function tree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        out.set(`${relative(root, path)}/`, '');
        walk(path);
      } else out.set(relative(root, path), createHash('sha256').update(readFileSync(path)).digest('hex'));
    }
  };
  walk(root);
  return out;
}

let cudaInstalled = false;
let model: string;
let images: string;
let run: string;
let layer: string;
before(async () => {
  const ws = await makeWorkspace(tinyResNet(), 12, { broken: false });
  model = ws.model;
  images = ws.images;
  run = join(ws.dir, 'run');
  await record({ model: ws.model, images: ws.images, out: run, threads: 1 });
  const manifest = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8')) as { layers: { id: string }[] };
  layer = manifest.layers[0]!.id;
  cudaInstalled = await ModelSession.create(encodeModel(tinyResNet()), { executionProvider: 'cuda', threads: 1 }).then(
    async (s) => (await s.close(), true),
    () => false,
  );
});

const commands: [string, () => string[]][] = [
  ['circuits', () => ['circuits', '--run', run, '--query', '0']],
  ['circuits eval', () => ['circuits', 'eval', '--run', run, '--queries', '2']],
  ['circuits diagnose', () => ['circuits', 'diagnose', '--run', run, '--query', '0']],
  ['neurons (exemplar crops)', () => ['neurons', '--run', run, '--top', '2']],
  ['neurons --effects', () => ['neurons', '--run', run, '--top', '0', '--effects', '--effect-images', '4', '--heatmaps', '1']],
  ['visualize', () => ['visualize', '--model', model, '--run', run, '--layers', layer, '--neurons', '0', '--steps', '1']],
];

// Spelled out, the default runs; its results are then in the run for the CUDA attempts to keep.
test('--device cpu runs neurons and visualize, whose results the failed CUDA runs below must keep', async () => {
  for (const args of [commands[3]![1](), commands[5]![1]()]) {
    const result = await runInProcess(buildProgram(), [...args, '--threads', '1', '--device', 'cpu'], { env: { NEUROLENS_DEBUG: undefined } });
    assert.equal(result.code, 0, result.stderr);
  }
  const files = [...tree(run).keys()];
  assert.ok(files.some((f) => f.startsWith('neurons/thumbs/') && !f.endsWith('/')), 'exemplar crops written');
  assert.ok(files.some((f) => f.startsWith('visualize/') && f.endsWith('.png')), 'a visualisation written');
});

for (const [name, args] of commands) {
  test(`${name} --device cuda without the CUDA provider: one line naming CUDA and the install, exit 1, the run unchanged`, async (t) => {
    if (cudaInstalled) return t.skip('the CUDA provider is installed here');
    const before = tree(run);
    const result = await runInProcess(buildProgram(), [...args(), '--threads', '1', '--device', 'cuda'], { env: { NEUROLENS_DEBUG: undefined } });
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stdout, '');
    const errors = result.stderr.split('\n').filter((l) => l.startsWith('neurolens: error:'));
    assert.equal(errors.length, 1, result.stderr);
    assert.match(errors[0]!, /CUDA execution provider/);
    // Only Linux x64 has a CUDA build to install; elsewhere the line says there is none.
    if (`${process.platform}/${process.arch}` === 'linux/x64') assert.match(errors[0]!, /ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules\/onnxruntime-node\/script\/install\.js/);
    assert.match(errors[0]!, /--device cpu/);
    assert.ok(result.stderr.endsWith(`${errors[0]}\n`), 'the error is the last line');
    assert.deepEqual(tree(run), before);
  });
}

test('record --device cuda into a new folder: one error line, and no folder is created', async (t) => {
  if (cudaInstalled) return t.skip('the CUDA provider is installed here');
  const out = join(run, '..', 'cuda-record');
  const result = await runInProcess(buildProgram(), ['record', '--model', model, '--images', images, '--out', out, '--threads', '1', '--device', 'cuda'], { env: { NEUROLENS_DEBUG: undefined } });
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /^neurolens: error: .*CUDA execution provider.*\n$/);
  assert.equal(existsSync(out), false);
});

test('demo --device cuda: one error line before anything is staged (no output folder)', async (t) => {
  if (cudaInstalled) return t.skip('the CUDA provider is installed here');
  const out = join(run, '..', 'cuda-demo');
  const result = await runInProcess(buildProgram(), ['demo', '--quick', '--out', out, '--device', 'cuda'], { env: { NEUROLENS_DEBUG: undefined } });
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /^neurolens: error: .*CUDA execution provider.*\n$/);
  assert.equal(existsSync(out), false);
});

// The real binary: onnxruntime's own multi-line log of the failed provider load must not reach
// stderr (visualize's shape probe on the main thread starts onnxruntime's logging before any worker).
test('the binary, visualize --device cuda: stderr holds its progress line and the one error line, no onnxruntime log', async (t) => {
  if (cudaInstalled) return t.skip('the CUDA provider is installed here');
  const result = spawnCli('visualize', '--model', model, '--run', run, '--layers', layer, '--neurons', '1', '--steps', '1', '--threads', '1', '--device', 'cuda');
  assert.equal(result.code, 1, result.stderr);
  const lines = result.stderr.split('\n').filter((l) => l !== '');
  assert.deepEqual(lines.filter((l) => !l.startsWith('neurolens visualize: ')).map((l) => l.replace(/:.*/, '')), ['neurolens'], result.stderr);
  assert.match(lines.at(-1)!, /^neurolens: error: .*CUDA execution provider/);
});

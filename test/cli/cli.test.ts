import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { encodeModel } from '../../src/onnx/codec.js';
import { tinyResNet, tinyVit } from '../fixtures/tiny-models.js';
import { makeWorkspace } from '../record/helpers.js';
import { buildProgram } from '../../src/cli/program.js';
import { runInProcess, spawnCli as spawned, type CliResult } from '../helpers/cli.js';

/** The same command line in this process (a spawned CLI costs seconds of start-up). */
async function neurolens(...args: string[]): Promise<CliResult> {
  return runInProcess(buildProgram(), args, { env: { NEUROLENS_DEBUG: undefined } });
}

/** The CLI's error contract: exit ≠ 0, exactly one stderr line naming the problem, no stack trace. */
function assertOneLineError(result: CliResult, pattern: RegExp): void {
  assert.notEqual(result.code, 0);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${result.stderr}`);
  assert.match(lines[0]!, /^neurolens: error: /);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
}

const dir = mkdtempSync(join(tmpdir(), 'neurolens-cli-'));
function modelFile(name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

test('inspect prints the input, classes and the catalogue, as text and JSON', async () => {
  const path = modelFile('vit.onnx', encodeModel(tinyVit()));
  const text = await neurolens('inspect', path);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /input\s+input\s+float32\s+\[batch, 3, 16, 16\]/);
  assert.match(text.stdout, /classes\s+5/);
  assert.match(text.stdout, /\*\s+blocks\.0\.mlp\.act\s+tokens\s+16\s+1\+4×4/);
  const json = await neurolens('inspect', path, '--json');
  assert.equal(json.code, 0, json.stderr);
  const summary = JSON.parse(json.stdout) as { numClasses: number; layers: { id: string; isDefault: boolean; tokens?: { prefix: number; grid: number[] } }[] };
  assert.equal(summary.numClasses, 5);
  const defaults = summary.layers.filter((l) => l.isDefault);
  assert.deepEqual(defaults.map((l) => l.id), ['blocks.0.mlp.act', 'blocks.1.mlp.act']);
  assert.deepEqual(defaults[0]!.tokens, { count: 17, prefix: 1, grid: [4, 4] });
});

test('bad models give one-line errors that say what to do', async () => {
  const missing = await neurolens('inspect', join(dir, 'nope.onnx'));
  assertOneLineError(missing, /model file not found: .*nope\.onnx/);
  // The real binary gives the same line and exit code.
  const real = spawned('inspect', join(dir, 'nope.onnx'));
  assertOneLineError(real, /model file not found: .*nope\.onnx/);
  assert.deepEqual([real.code, real.stderr], [missing.code, missing.stderr]);
  assertOneLineError(await neurolens('inspect', modelFile('text.onnx', 'hello, I am not a model')), /text\.onnx (is not a valid ONNX model|holds no graph)/);

  const intModel = new GraphBuilder();
  const x = intModel.input('ids', ['batch', 3, 8, 8], 'int64');
  intModel.output(intModel.node('Identity', [x], {}, { outputs: ['out'] }), ['batch', 3, 8, 8], 'int64');
  const ws = join(dir, 'imgs-none');
  assertOneLineError(await neurolens('record', '--model', modelFile('int.onnx', encodeModel(intModel.build())), '--images', ws, '--out', join(dir, 'r1')), /int64|integer|no neuron layers|not found/);

  const dynamic = tinyResNet();
  const dims = dynamic.graph!.input![0]!.type!.tensorType!.shape!.dim!;
  dims[2] = { dimParam: 'height' };
  dims[3] = { dimParam: 'width' };
  const dynPath = modelFile('dynamic.onnx', encodeModel(dynamic));
  assertOneLineError(await neurolens('inspect', dynPath), /height\/width.*--size/);
  const sized = await neurolens('inspect', dynPath, '--size', '16');
  assert.equal(sized.code, 0, sized.stderr);

  const vector = new GraphBuilder();
  const v = vector.input('features', ['batch', 10]);
  vector.output(vector.node('Relu', [v], {}, { outputs: ['out'] }), ['batch', 10]);
  const vectorPath = modelFile('vector.onnx', encodeModel(vector.build()));
  assertOneLineError(await neurolens('record', '--model', vectorPath, '--images', dir, '--out', join(dir, 'r2')), /no image-like input|no neuron layers/);
});

test('bad options are usage errors (exit 2); --debug adds the stack trace', async () => {
  const path = modelFile('resnet.onnx', encodeModel(tinyResNet()));
  const badBatch = await neurolens('record', '--model', path, '--images', dir, '--out', join(dir, 'r3'), '--batch', '0');
  assert.equal(badBatch.code, 2);
  assert.match(badBatch.stderr, /--batch must be a positive integer, got '0'/);
  const badPool = await neurolens('record', '--model', path, '--images', dir, '--out', join(dir, 'r4'), '--pool', 'mean,median');
  assert.equal(badPool.code, 2);
  assert.match(badPool.stderr, /--pool must be a comma-separated list of mean, max, top10/);
  const debug = spawned('--debug', 'inspect', join(dir, 'missing.onnx'));
  assert.notEqual(debug.code, 0);
  assert.match(debug.stderr, /\n\s+at /);
});

test('record through the CLI: progress as JSON lines off a terminal, a summary on stdout, then a no-op', async () => {
  const ws = await makeWorkspace(tinyResNet(), 10);
  const out = join(ws.dir, 'run');
  const first = spawned('record', '--model', ws.model, '--images', ws.images, '--out', out, '--batch', '4');
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /recorded 10 images \(2 skipped\)/);
  const progress = first.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { progress: string; done: number; total: number });
  assert.ok(progress.some((p) => p.progress === 'record' && p.done === p.total && p.total === 12));
  assert.ok(progress.some((p) => p.progress === 'finalize'));
  assert.match(first.stderr, /neurolens: warning: skipped broken\.jpg: /);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { images: { count: number } };
  assert.equal(manifest.images.count, 10);
  const again = await neurolens('record', '--model', ws.model, '--images', ws.images, '--out', out, '--batch', '4');
  assert.equal(again.code, 0);
  assert.match(again.stdout, /already complete: 10 images, 2 skipped/);
});

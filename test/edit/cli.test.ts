import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { decodeModel } from '../../src/onnx/codec.js';
import { Random } from '../../src/util/random.js';
import { tinyResNet, tinyVit, writeTempModel } from '../fixtures/tiny-models.js';
import { buildProgram } from '../../src/cli/program.js';
import { runInProcess, spawnCli as spawned, type CliResult } from '../helpers/cli.js';

/** The same command line in this process (a spawned CLI costs seconds of start-up). */
async function neurolens(...args: string[]): Promise<CliResult> {
  return runInProcess(buildProgram(), args, { env: { NEUROLENS_DEBUG: undefined } });
}

function assertUsageError(result: CliResult, pattern: RegExp, status = 2): void {
  assert.equal(result.code, status, result.stderr);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${result.stderr}`);
  assert.match(lines[0]!, /^neurolens: error: /);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
}

test('edit end to end: writes the model, card and eval file and prints a summary table', async () => {
  const model = writeTempModel(tinyResNet(4), 'net');
  const dir = dirname(model);
  writeFileSync(join(dir, 'net.json'), JSON.stringify({ classNames: ['a', 'b', 'c', 'd', 'e'], resize: 'stretch' }));
  mkdirSync(join(dir, 'set'));
  const rng = new Random(5);
  const rows = ['path,label'];
  for (let i = 0; i < 6; i++) {
    const pixels = Buffer.from(Array.from({ length: 16 * 16 * 3 }, () => Math.floor(rng.next() * 256)));
    await sharp(pixels, { raw: { width: 16, height: 16, channels: 3 } }).png().toFile(join(dir, 'set', `${i}.png`));
    rows.push(`${i}.png,${i % 2 === 0 ? 'a' : 3}`);
  }
  writeFileSync(join(dir, 'set', 'bad.png'), 'nope');
  rows.push('bad.png,0');
  writeFileSync(join(dir, 'labels.csv'), rows.join('\n'));
  const out = join(dir, 'out', 'net-fixed.onnx');
  const result = await neurolens('edit', '--model', model, '--ablate', 'layer2.0:3,fc:0', '--out', out, '--eval', join(dir, 'labels.csv'), '--images-root', join(dir, 'set'), '--batch', '4', '--threads', '1');
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /wrote .*net-fixed\.onnx: 2 neuron\(s\) in 2 layer\(s\) zeroed/);
  assert.match(result.stdout, /layer2\.0\s+feature\s+channel 3 of 16/);
  assert.match(result.stdout, /eval on labels\.csv: 6 image\(s\), 1 skipped/);
  assert.match(result.stdout, /accuracy\s+0\.5000\s+\d\.\d{4}\s+[+-]?\d\.\d{4}/);
  assert.match(result.stdout, /predictions changed: \d+ of 6/);
  assert.match(result.stdout, /result: .*net-fixed\.eval\.json/);
  assert.match(result.stderr, /neurolens: warning: skipped .*bad\.png/);
  assert.ok(existsSync(join(dir, 'out', 'net-fixed.json')));
  const evaluation = JSON.parse(readFileSync(join(dir, 'out', 'net-fixed.eval.json'), 'utf8')) as { n: number; accuracy: { before: number } };
  assert.equal(evaluation.n, 6);
  assert.equal(evaluation.accuracy.before, 0.5); // the tiny model predicts class 0 everywhere; labels alternate a(0) / 3
  const edited = decodeModel(readFileSync(out));
  assert.ok(edited.metadataProps!.some((p) => p.key === 'neurolens.edit'));

  const scaled = await neurolens('edit', '--model', model, '--ablate', 'layer1.0:1', '--scale', '-1.5', '--out', join(dir, 'neg.onnx'));
  assert.equal(scaled.code, 0, scaled.stderr);
  assert.match(scaled.stdout, /scaled ×-1\.5/);
});

test('edit: bad arguments are one-line usage errors naming the argument (exit 2)', async () => {
  const model = writeTempModel(tinyVit(), 'vit');
  const dir = dirname(model);
  const out = join(dir, 'vit-edited.onnx');
  const notLayerC = await neurolens('edit', '--model', model, '--ablate', 'blocks.0.mlp.act', '--out', out);
  assertUsageError(notLayerC, /--ablate item "blocks\.0\.mlp\.act" is not LAYER:C/);
  // The real binary gives the same line and exit code.
  const real = spawned('edit', '--model', model, '--ablate', 'blocks.0.mlp.act', '--out', out);
  assertUsageError(real, /--ablate item "blocks\.0\.mlp\.act" is not LAYER:C/);
  assert.deepEqual([real.code, real.stderr], [notLayerC.code, notLayerC.stderr]);
  assertUsageError(await neurolens('edit', '--model', model, '--ablate', 'blocks.0.mlp.act:x', '--out', out), /--ablate item .* is not LAYER:C/);
  assertUsageError(await neurolens('edit', '--model', model, '--ablate', 'blocks.0.mlp.act:16', '--out', out), /--ablate "blocks\.0\.mlp\.act:16": channel must be an integer 0 to 15/);
  assertUsageError(await neurolens('edit', '--model', model, '--ablate', 'blocks.0.mlp.ack:1', '--out', out), /--ablate layer "blocks\.0\.mlp\.ack" is not a layer of .*did you mean blocks\.0\.mlp\.act/);
  assertUsageError(await neurolens('edit', '--model', model, '--ablate', 'blocks.0.mlp.act:1', '--scale', 'big', '--out', out), /--scale must be a finite number/);
  assertUsageError(await neurolens('edit', '--model', model, '--ablate', 'blocks.0.mlp.act:1', '--scale', 'Infinity', '--out', out), /--scale must be a finite number/);
  assertUsageError(await neurolens('edit', '--model', model, '--ablate', 'blocks.0.mlp.act:1', '--out', join(dir, 'x.pt')), /--out .*x\.pt must end in \.onnx/);
  assertUsageError(await neurolens('edit', '--model', model, '--ablate', 'blocks.0.mlp.act:1', '--out', model), /--out .*vit\.onnx is the input model/);
  assertUsageError(await neurolens('edit', '--model', model, '--ablate', 'blocks.0.mlp.act:1', '--out', out, '--eval', 'l.csv', '--batch', '0'), /--batch must be a positive integer/);
  assertUsageError(await neurolens('edit', '--model', join(dir, 'none.onnx'), '--ablate', 'a:1', '--out', out), /model file not found/, 1);
  assertUsageError(await neurolens('edit', '--model', model, '--ablate', 'blocks.0.mlp.act:1', '--out', out, '--eval', join(dir, 'nolabels.csv')), /labels file not found/, 1);
  const missing = await neurolens('edit', '--model', model, '--out', out);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--ablate/);
  // Every failure above happened before anything was written (a bad labels file included).
  assert.ok(!existsSync(out) && !existsSync(join(dir, 'vit-edited.json')));
});

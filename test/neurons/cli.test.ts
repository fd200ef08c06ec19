// `neurolens neurons` end to end: files written, a rerun that does nothing new, and one-line errors.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { buildProgram } from '../../src/cli/program.js';
import { runInProcess } from '../helpers/cli.js';
import { tinyRun } from './helpers.js';

// In this process: a spawned CLI costs seconds of start-up per call. The real binary's one-line
// errors for `neurons` are checked in test/run/damaged-cli.test.ts.
async function cli(...args: string[]) {
  return runInProcess(buildProgram(), args, { env: { NEUROLENS_DEBUG: undefined } });
}

function assertOneLineError(result: Awaited<ReturnType<typeof cli>>, pattern: RegExp): void {
  assert.notEqual(result.code, 0);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${result.stderr}`);
  assert.match(lines[0]!, /^neurolens: error: /);
  assert.match(lines[0]!, pattern);
}

let run: string;
let dir: string;
before(async () => {
  ({ run, dir } = await tinyRun(16));
});

test('neurons CLI: writes rates, summary, exemplars and sprites, and reports rare neurons per layer', async () => {
  const result = await cli('neurons', '--run', run, '--layers', 'layer1.0,layer2.0', '--top', '3', '--thumb-size', '8', '--rare-below', '0.2', '--active-above', '0.5', '--threads', '1');
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^layer1\.0: \d+ rare \(rate < 0\.2\), \d+ dead of 8, mean rate \d\.\d{3}$/m);
  assert.match(result.stdout, /neurons\/exemplars\.layer2\.0\.json/);
  assert.match(result.stderr, /no concepts run/);
  for (const file of ['summary.json', 'rare-per-image.npy', 'rates.layer1.0.npy', 'rates.layer2.0.npy', 'exemplars.layer1.0.json', 'thumbs/layer2.0/15.png']) {
    assert.ok(existsSync(join(run, 'neurons', file)), file);
  }
  const summary = JSON.parse(readFileSync(join(run, 'neurons', 'summary.json'), 'utf8')) as { layers: { threshold: number; rareBelow: number }[] };
  assert.deepEqual(summary.layers.map((l) => [l.threshold, l.rareBelow]), [[0.5, 0.2], [0.5, 0.2]]);
  const before = readFileSync(join(run, 'neurons', 'exemplars.layer1.0.json'));
  const again = await cli('neurons', '--run', run, '--layers', 'layer1.0,layer2.0', '--top', '3', '--thumb-size', '8', '--threads', '1');
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /exemplars of \d+ neuron\(s\) computed/);
  assert.deepEqual(readFileSync(join(run, 'neurons', 'exemplars.layer1.0.json')), before);
});

test('neurons CLI: bad input gives one line naming the argument or file and the fix', async () => {
  assertOneLineError(await cli('neurons'), /required option '--run <dir>' not specified/);
  assertOneLineError(await cli('neurons', '--run', join(dir, 'nope')), /nope is not a finished run .*neurolens record/);
  assertOneLineError(await cli('neurons', '--run', run, '--rare-below', '2'), /--rare-below must be a rate in \(0, 1\], got "2"/);
  assertOneLineError(await cli('neurons', '--run', run, '--rare-below', 'x'), /--rare-below must be a finite number/);
  assertOneLineError(await cli('neurons', '--run', run, '--top', '-1'), /--top must be an integer ≥ 0/);
  assertOneLineError(await cli('neurons', '--run', run, '--thumb-size', '0'), /--thumb-size must be a positive integer, got '0'/);
  assertOneLineError(await cli('neurons', '--run', run, '--pooling', 'median'), /--pooling <name>' argument 'median' is invalid\. Allowed choices are mean, max, top10/);
  assertOneLineError(await cli('neurons', '--run', run, '--layers', 'layer9'), /unknown layer\(s\) layer9 .*this run recorded/);
  assertOneLineError(await cli('neurons', '--run', run, '--top', '0', '--masks', join(dir, 'none.jsonl')), /masks file .*none\.jsonl does not exist/);
  assertOneLineError(await cli('neurons', '--run', run, '--top', '0', '--max-q', '0'), /--max-q must be a number in \(0, 1\], got "0"/);
  assertOneLineError(await cli('neurons', '--run', run, '--top', '0', '--labels', join(dir, 'none.csv')), /none\.csv/);
  assertOneLineError(await cli('neurons', '--run', run, '--effects', '--effect-images', '1'), /--effect-images must be 0 \(no ablation effects\) or at least 2/);
  assertOneLineError(await cli('neurons', '--run', run, '--effects', '--heatmaps', '-2'), /--heatmaps must be/);
  const bad = join(dir, 'bad.jsonl');
  writeFileSync(bad, 'not json\n');
  assertOneLineError(await cli('neurons', '--run', run, '--top', '0', '--masks', bad), /bad\.jsonl:1 is not valid JSON/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildProgram } from '../../src/cli/program.js';
import { runInProcess } from '../helpers/cli.js';
import { tcavWorkspace } from './fixture.js';

const fixture = tcavWorkspace();
const tcav = async (...args: string[]) => runInProcess(buildProgram(), ['tcav', ...args]);

/** One error line, naming `option`, with exit `code`. */
function oneLineError(result: { code: number; stderr: string; stdout: string }, code: number, pattern: RegExp): void {
  assert.equal(result.code, code, result.stderr);
  // Progress lines may come first; the error is the one last line.
  const lines = result.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.filter((l) => l.startsWith('neurolens: error: ')).length, 1, result.stderr);
  assert.match(lines.at(-1)!, /^neurolens: error: /);
  assert.match(lines.at(-1)!, pattern);
}

test('tcav CLI: a summary table, the JSON and the Markdown report', { timeout: 120_000 }, async () => {
  const { run, labels, dir } = await fixture;
  const out = join(dir, 'cli', 'bright.json');
  const result = await tcav('--run', run, '--labels', labels, '--concepts', 'bright,random', '--class', 'bright', '--out', out, '--threads', '1');
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^concept\s+images\s+TCAV\s+± std\s+p\s+p \(Bonferroni\)\s+significant$/m);
  assert.match(result.stdout, /^bright\s+10\s+1\.00\s+0\.00\s+\S+\s+\S+\s+yes$/m);
  assert.match(result.stdout, /^random\s+10\s+.*not significant$/m);
  assert.match(result.stdout, /^\(random\)\s+10\s/m);
  assert.ok(existsSync(out) && existsSync(join(dir, 'cli', 'bright.md')));
});

test('tcav CLI: each user mistake is one line naming the argument, exit 2 (usage) or 1 (data)', { timeout: 120_000 }, async () => {
  const { run, labels } = await fixture;
  const base = ['--run', run, '--labels', labels, '--threads', '1'];
  oneLineError(await tcav(...base, '--concepts', 'bright,stripes', '--class', 'bright'), 2, /--concepts: "stripes" not among the concepts of .*labels\.csv \("bright", "random", "rare"\)/);
  oneLineError(await tcav(...base, '--concepts', 'rare', '--class', 'bright'), 1, /--concepts: concept "rare" has 3 image\(s\) in the run; TCAV needs at least 5/);
  oneLineError(await tcav(...base, '--concepts', 'bright', '--class', 'cat'), 2, /--class "cat" is not a class name of the model card \(e\.g\. dark, bright\)/);
  oneLineError(await tcav(...base, '--concepts', 'bright', '--class', '7'), 2, /--class 7 is out of range; the model has classes 0 to 1/);
  oneLineError(await tcav(...base, '--concepts', 'bright', '--class', 'bright', '--layer', 'layer9'), 2, /unknown layer\(s\) layer9 for --layer; this run recorded conv, relu, avgpool, fc/);
  oneLineError(await tcav(...base, '--concepts', 'bright', '--class', 'bright', '--random', '5'), 2, /--random must be at least 10 .*got 5/);
  oneLineError(await tcav('--run', run, '--concepts', 'bright', '--class', 'bright'), 2, /tcav needs concept labels: pass --labels FILE/);
  oneLineError(await tcav(...base, '--class', 'bright'), 2, /required option '--concepts <names>'/);
  assert.ok(!existsSync(join(run, 'tcav')), 'nothing was written by a failed command');
});

test('tcav CLI: without --labels, the concepts come from the labels the probes of the layer recorded', { timeout: 120_000 }, async () => {
  const { run, labels } = await fixture;
  mkdirSync(join(run, 'probes'), { recursive: true });
  writeFileSync(join(run, 'probes', 'relu.json'), JSON.stringify({ format: 'neurolens-probes', settings: { labels: { source: { kind: 'file', file: labels } } } }));
  const result = await tcav('--run', run, '--concepts', 'bright', '--class', '1', '--threads', '1');
  assert.equal(result.code, 0, result.stderr);
  const written = JSON.parse(readFileSync(join(run, 'tcav', 'relu.bright.json'), 'utf8')) as { settings: { labels: { file: string } } };
  assert.equal(written.settings.labels.file, labels);
});

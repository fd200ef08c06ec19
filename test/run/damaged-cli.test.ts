// Every command that reads a RUN, on every kind of damage: exit 1 (never 70), one error line
// naming the damaged file, and the run's files unchanged afterwards. The full table runs the
// commands' own CLI code in this process (a spawned CLI costs seconds of start-up per case); one
// case per command also runs the real `neurolens` process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { Command } from 'commander';
import { registerCircuits } from '../../src/cli/commands/circuits.js';
import { registerConcepts } from '../../src/cli/commands/concepts.js';
import { registerNeurons } from '../../src/cli/commands/neurons.js';
import { registerProbe } from '../../src/cli/commands/probe.js';
import { registerServe } from '../../src/cli/commands/serve.js';
import { NeurolensError } from '../../src/errors.js';
import { startServer } from '../../src/server/server.js';
import { defaultWebDir } from '../../src/server/web-app.js';
import { snapshotFiles } from '../record/helpers.js';
import { runInProcess, type CliResult } from '../helpers/cli.js';
import { runImages } from './helpers.js';
import { buildRunFixture, copyRun, poison, readManifestJson, truncate, writeManifestJson, type RunFixture } from './fixture.js';

const ROOT = join(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');

function cli(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, env: { ...process.env, NEUROLENS_DEBUG: '' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

/** The same command line run in this process: the commands' CLI code, stderr and exit code captured. */
async function cliInProcess(args: string[]): Promise<CliResult> {
  // Positional options as in src/cli/program.ts: `circuits eval --run …` is eval's --run.
  const program = new Command().enablePositionalOptions().exitOverride();
  for (const register of [registerConcepts, registerProbe, registerNeurons, registerCircuits, registerServe]) register(program);
  return runInProcess(program, args);
}

/** The error line of a failed command; progress notes (`neurolens circuits: …`) are not errors. */
function errorLine(result: { code: number | null; stderr: string }, what: string, code = 1): string {
  assert.equal(result.code, code, `${what}: exit ${result.code}\n${result.stderr}`);
  const lines = result.stderr.trim().split('\n').filter((l) => !/^neurolens [a-z-]+: /.test(l));
  assert.equal(lines.length, 1, `${what}: expected one line, got:\n${result.stderr}`);
  assert.match(lines[0]!, /^neurolens: error: /, what);
  return lines[0]!;
}

let fx: RunFixture;
let captions: string;
let labels: string;
before(async () => {
  fx = await buildRunFixture();
  const rows = await runImages(fx.run);
  captions = join(fx.dir, 'captions.csv');
  writeFileSync(captions, ['path,caption', ...rows.map((r) => `${r.path},a ${r.index % 2 ? 'bright' : 'dark'} pattern number ${r.index % 3}`)].join('\n') + '\n');
  labels = join(fx.dir, 'labels.csv');
  writeFileSync(labels, ['path,concept', ...rows.map((r) => `${r.path},${r.index % 2 ? 'odd' : 'even'}`)].join('\n') + '\n');
});

/** A command reading the run, and the pooling whose matrix of layer2.0 it needs. */
interface CommandCase {
  name: string;
  pooling: 'mean' | 'max' | 'top10';
  args: (run: string) => string[];
}
const COMMANDS: CommandCase[] = [
  { name: 'concepts', pooling: 'mean', args: (run) => ['concepts', '--run', run, '--captions', captions] },
  { name: 'probe', pooling: 'mean', args: (run) => ['probe', '--run', run, '--labels', labels] },
  { name: 'neurons', pooling: 'max', args: (run) => ['neurons', '--run', run, '--threads', '1'] },
  { name: 'circuits', pooling: 'top10', args: (run) => ['circuits', '--run', run, '--query', '0', '--threads', '1'] },
];

/** A kind of damage: what it does to a copy, and the file the one line must name. */
interface Damage {
  name: string;
  apply: (run: string, npy: string) => Promise<void> | void;
  names: (npy: string) => RegExp;
}
const manifestFile = /manifest\.json/;
const DAMAGES: Damage[] = [
  { name: 'truncated manifest', apply: (run) => truncate(join(run, 'manifest.json')), names: () => manifestFile },
  { name: 'invalid JSON manifest', apply: (run) => writeFileSync(join(run, 'manifest.json'), '{"format": "neurolens-run",'), names: () => manifestFile },
  { name: 'unknown formatVersion', apply: (run) => writeManifestJson(run, { ...readManifestJson(run), formatVersion: 2 }), names: () => manifestFile },
  { name: 'deleted .npy', apply: (_run, npy) => rmSync(npy), names: (npy) => new RegExp(`${npy.replace(/[.]/g, '\\.')} is missing`) },
  { name: 'truncated .npy', apply: (_run, npy) => truncate(npy), names: (npy) => new RegExp(`${npy.replace(/[.]/g, '\\.')} is damaged \\(truncated`) },
  {
    name: 'NaN in activations (older manifest, found by a scan)',
    apply: async (run, npy) => {
      await poison(npy);
      // Runs recorded before the counts existed carry no `nonFinite`: the reader must scan.
      const manifest = readManifestJson(run);
      for (const layer of manifest.layers as { nonFinite?: unknown }[]) delete layer.nonFinite;
      writeManifestJson(run, manifest);
    },
    names: (npy) => new RegExp(`${npy.replace(/[.]/g, '\\.')} holds 2 non-finite`),
  },
  {
    name: 'NaN in activations (counted in the manifest)',
    apply: async (run, npy) => {
      await poison(npy);
      const manifest = readManifestJson(run);
      manifest.layers.find((l: { id: string }) => l.id === 'layer2.0').nonFinite = { mean: 2, max: 2, top10: 2 };
      writeManifestJson(run, manifest);
    },
    names: (npy) => new RegExp(`${npy.replace(/[.]/g, '\\.')} holds 2 non-finite`),
  },
];

async function damaged(damage: Damage, pooling: string): Promise<{ run: string; npy: string }> {
  const run = copyRun(fx.run);
  const npy = join(run, 'activations', `layer2.0.${pooling}.npy`);
  await damage.apply(run, npy);
  return { run, npy };
}

for (const command of COMMANDS) {
  test(`damaged run: ${command.name} exits 1 with one line naming the file, and changes nothing`, async () => {
    for (const damage of DAMAGES) {
      const { run, npy } = await damaged(damage, command.pooling);
      const before = snapshotFiles(run);
      assert.match(errorLine(await cliInProcess(command.args(run)), damage.name), damage.names(npy), damage.name);
      assert.deepEqual(snapshotFiles(run), before, `${damage.name}: the run's files changed`);
    }
  });
}

test('damaged run: the real neurolens process exits 1 with the one line, for each command', async () => {
  for (const [i, command] of COMMANDS.entries()) {
    const damage = DAMAGES[(i * 2) % DAMAGES.length]!;
    const { run, npy } = await damaged(damage, command.pooling);
    const before = snapshotFiles(run);
    assert.match(errorLine(await cli(command.args(run)), `${command.name}, ${damage.name}`), damage.names(npy));
    assert.deepEqual(snapshotFiles(run), before);
  }
});

/** Every command that takes `--run`, with what else it needs. */
const RUN_COMMANDS: { name: string; args: (run: string) => string[] }[] = [
  ...COMMANDS,
  { name: 'circuits eval', args: (run) => ['circuits', 'eval', '--run', run, '--queries', '2', '--threads', '1'] },
  { name: 'circuits diagnose', args: (run) => ['circuits', 'diagnose', '--run', run, '--query', '0', '--threads', '1'] },
];

test('not a run (a missing folder, a file, an empty folder): every --run command exits 1 with one line, and changes nothing', async () => {
  const base = mkdtempSync(join(tmpdir(), 'neurolens-not-a-run-'));
  const file = join(base, 'notes.txt');
  writeFileSync(file, 'not a run\n');
  const empty = join(base, 'empty');
  mkdirSync(empty);
  const cases: [string, string, RegExp][] = [
    ['missing folder', join(base, 'missing'), /missing is not a finished run \(no manifest\.json\); pass a folder written by `npx neurolens record`/],
    // A file is a run that cannot be read, not an --out to choose again.
    ['a file', file, /notes\.txt is not a folder; pass the run folder written by `npx neurolens record`/],
    ['empty folder', empty, /empty is not a finished run \(no manifest\.json\)/],
  ];
  for (const command of RUN_COMMANDS) {
    for (const [what, run, pattern] of cases) {
      const before = snapshotFiles(base);
      assert.match(errorLine(await cliInProcess(command.args(run)), `${command.name}, ${what}`), pattern, `${command.name}, ${what}`);
      assert.deepEqual(snapshotFiles(base), before, `${command.name}, ${what}: files changed`);
      assert.ok(!existsSync(join(base, 'missing')), `${command.name}: the missing run was created`);
    }
  }
  // The same through the real process, for the case that used to be answered as a bad --out (exit 2).
  assert.match(errorLine(await cli(['circuits', 'eval', '--run', file]), 'circuits eval, a file (real process)'), /notes\.txt is not a folder/);
});

test('damaged manifest: serve refuses the run with one line naming the file, and changes nothing', async () => {
  const built = existsSync(join(defaultWebDir(), 'index.html'));
  // Without a built app `serve` stops at the app check; the run check is then made through the library.
  const web = mkdtempSync(join(tmpdir(), 'neurolens-web-'));
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>stand-in</title>');
  // The explorer opens a run whose activation files are damaged or hold NaN (the pages that need
  // them fail alone); only a manifest it cannot trust stops it.
  for (const damage of DAMAGES.filter((d) => /manifest|formatVersion/.test(d.name) && !/NaN/.test(d.name))) {
    const { run, npy } = await damaged(damage, 'mean');
    const before = snapshotFiles(run);
    let line: string;
    if (built) line = errorLine(await cliInProcess(['serve', run, '--port', '0']), damage.name);
    else {
      const error = await startServer({ run, port: 0, webDir: web }).then(
        async (server) => {
          await server.close();
          return undefined;
        },
        (e: unknown) => e,
      );
      assert.ok(error instanceof NeurolensError && error.exitCode === 1, `${damage.name}: ${String(error)}`);
      assert.ok(!error.message.includes('\n'));
      line = error.message;
    }
    assert.match(line, damage.names(npy), damage.name);
    assert.deepEqual(snapshotFiles(run), before, `${damage.name}: the run's files changed`);
  }
  const nan = DAMAGES.find((d) => /counted in the manifest/.test(d.name))!;
  const { run } = await damaged(nan, 'mean');
  const server = await startServer({ run, port: 0, webDir: web });
  await server.close();
});

test('concepts --clusters above what FINCH gives is refused with the most it gives, not ignored', async () => {
  const run = copyRun(fx.run);
  const result = await cliInProcess(['concepts', '--run', run, '--captions', captions, '--clusters', '50']);
  const line = errorLine(result, '--clusters 50', 2);
  const most = /--clusters 50 is more than FINCH finds in these 12 captions \(its finest level has (\d+)\); pass --clusters \1 or less/.exec(line);
  assert.ok(most, line);
  const ok = await cliInProcess(['concepts', '--run', run, '--captions', captions, '--clusters', most[1]!]);
  assert.equal(ok.code, 0, ok.stderr);
});

test('circuits: a query over the run\'s pixel limit gets advice that works (circuits has no --max-pixels)', async () => {
  const run = copyRun(fx.run);
  const manifest = readManifestJson(run);
  writeManifestJson(run, { ...manifest, preprocessing: { ...manifest.preprocessing, maxPixels: 100 } });
  const rows = await runImages(fx.run);
  const line = errorLine(await cliInProcess(['circuits', '--run', run, '--query', join(fx.images, rows[0]!.path), '--threads', '1']), 'pixel limit');
  assert.match(line, /exceeds the pixel limit of 100 \(the limit the run was recorded with: shrink the image, or record the run again with a larger --max-pixels\)/);
  assert.doesNotMatch(line, /raise it with --max-pixels/);
});

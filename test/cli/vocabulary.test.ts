/** One option vocabulary through the CLI (in process; the real binary where it matters): required options, positional options, --debug anywhere. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram } from '../../src/cli/program.js';
import { runInProcess } from '../helpers/cli.js';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

/** The real process: --debug is read from the process's own argv. */
function spawned(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', env: { ...process.env, NEUROLENS_DEBUG: '' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The same command line in this process (a spawned CLI costs seconds of start-up). */
async function neurolens(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const result = await runInProcess(buildProgram(), args, { env: { NEUROLENS_DEBUG: undefined } });
  return { status: result.code, stdout: result.stdout, stderr: result.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'neurolens-vocab-'));

test('a missing required option is a usage error (exit 2) naming the option, in every command alike', async () => {
  // Once through the real binary (main.ts turns commander's error into exit 2), once in process.
  for (const probe of [spawned('probe'), await neurolens('probe')]) {
    assert.equal(probe.status, 2);
    assert.equal(probe.stderr, "neurolens: error: required option '--run <dir>' not specified; see --help for usage\n");
  }
  // A subcommand's own required options are checked; its parent's (circuits --query) are not.
  const evalNoRun = await neurolens('circuits', 'eval');
  assert.equal(evalNoRun.status, 2);
  assert.match(evalNoRun.stderr, /^neurolens: error: required option '--run <dir>' not specified/);
  const circuits = await neurolens('circuits', '--run', join(dir, 'run'));
  assert.equal(circuits.status, 2);
  assert.match(circuits.stderr, /^neurolens: error: required option '--query <images>' not specified/);
});

test('options after a subcommand belong to it, and --debug is accepted after the command name', async () => {
  // `circuits eval --run DIR`: --run reaches eval, which then fails on the folder, not on usage.
  const missing = join(dir, 'no-such-run');
  const run = await neurolens('circuits', 'eval', '--run', missing, '--queries', '3');
  assert.notEqual(run.status, 2, run.stderr);
  assert.notEqual(run.status, 0, run.stderr);
  assert.doesNotMatch(run.stderr, /required option/);
  assert.match(run.stderr, /no-such-run/);
  const debug = spawned('inspect', join(dir, 'missing.onnx'), '--debug');
  assert.equal(debug.status, 1);
  assert.match(debug.stderr, /model file not found/);
  assert.match(debug.stderr, /\n\s+at /);
});

test('--help starts a new user at the demo, with npx', async () => {
  const help = await neurolens('--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Start with `npx neurolens demo --quick`/);
});

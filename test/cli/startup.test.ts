/**
 * Start-up cost: a command loads only what it runs. `--version` and any command's `--help` must not
 * load the runtime, the model codecs or the optional integrations; each action imports its
 * implementation when it runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
const MODULE_LOG = join(ROOT, 'test', 'helpers', 'module-log.mjs');

/** Packages none of which `--version` or a help text needs (each costs start-up time). */
const HEAVY = ['onnxruntime-node', 'onnxruntime-common', 'protobufjs', 'sharp', 'openai', 'ajv', 'vega', 'vega-lite', 'hyparquet', 'hyparquet-writer', 'bullmq', 'ioredis', 'd3-scale-chromatic'];

/** Runs `node --import tsx` on `script` with `args`; returns its exit code, stdout and every module URL it loaded. */
function loaded(script: string[], ...args: string[]): { code: number; stdout: string; modules: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'neurolens-startup-'));
  try {
    const log = join(dir, 'modules.txt');
    // The logger goes after tsx: the hook registered last runs first, so it sees every load.
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--import', pathToFileURL(MODULE_LOG).href, ...script, ...args], {
      encoding: 'utf8',
      env: { ...process.env, NEUROLENS_MODULE_LOG: log, NEUROLENS_DEBUG: '' },
    });
    assert.equal(result.status, 0, result.stderr);
    return { code: result.status ?? -1, stdout: result.stdout, modules: readFileSync(log, 'utf8').split('\n').filter((l) => l !== '') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const packagesOf = (modules: readonly string[]) => new Set(modules.flatMap((url) => [...url.matchAll(/\/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].map((m) => m[1]!)));

test('the module log sees the packages a library module loads (the check below can fail)', () => {
  const { modules } = loaded(['--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(join(ROOT, 'src', 'record', 'recorder.ts')).href)})`]);
  const packages = packagesOf(modules);
  for (const name of ['onnxruntime-node', 'sharp']) assert.ok(packages.has(name), `${name} not seen in ${[...packages].join(', ')}`);
});

for (const args of [['--version'], ['record', '--help'], ['--help']]) {
  test(`neurolens ${args.join(' ')} loads none of the runtime or the optional packages`, () => {
    const { stdout, modules } = loaded([MAIN], ...args);
    assert.ok(stdout.length > 0, 'it printed');
    assert.ok(modules.some((url) => url.endsWith('/src/cli/main.ts')), 'the log saw the CLI itself');
    const packages = packagesOf(modules);
    assert.ok(packages.has('commander'), 'the log saw commander');
    assert.deepEqual(HEAVY.filter((name) => packages.has(name)), []);
    assert.deepEqual(modules.filter((url) => /\/src\/(?:runtime|onnx\/load|record\/recorder)\b/.test(url)), [], 'no runtime module');
  });
}

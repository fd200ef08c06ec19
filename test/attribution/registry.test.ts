// The method registry: a method registered in one place is offered by `attribute` and
// `attribute eval` (method list, its flag, help, validation) and runs end to end; clashes are refused.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { getMethod, methodNames, registerMethod, type AttributionFile, type AttributionMethodSpec } from '../../src/attribution/index.js';
import { positiveIntegerRule } from '../../src/attribution/method.js';
import { evalOptionsFromFlags } from '../../src/cli/commands/attribute-eval.js';
import { buildProgram } from '../../src/cli/program.js';
import { readNpy } from '../../src/store/npy.js';
import { regionWorkspace } from '../fixtures/region-model.js';
import { runInProcess, type CliResult } from '../helpers/cli.js';

/** A method that needs no extra pass: map(y, x) = level·x + the clean score, so the test can recompute it. */
const dummy: AttributionMethodSpec = {
  name: 'dummy',
  summary: 'a test method: a ramp plus the clean score',
  options: [{ key: 'level', flag: '--level', placeholder: '<n>', parse: 'integer', doc: 'slope of the ramp', defaultDoc: '1', default: () => 1, rule: positiveIntegerRule }],
  async attribute(run) {
    const { height, width } = run.shape;
    const level = (run.options as { level: number }).level;
    const data = new Float32Array(height * width);
    for (let p = 0; p < data.length; p++) data[p] = level * (p % width) + run.clean;
    return { map: { data, height, width }, passes: 0 };
  },
};

let ws: { dir: string; model: string; images: string };
before(async () => {
  registerMethod(dummy);
  ws = await regionWorkspace();
});

/** Runs argv through the CLI's program (src/cli/program.ts), in process; captures output and the exit code. */
async function cli(...args: string[]): Promise<CliResult> {
  // The real command tree (help layout, required options), built after `dummy` was registered.
  return runInProcess(buildProgram({ helpWidth: 100 }), args);
}

test('a registered method is listed with its option in `attribute --help` and `attribute eval --help`', async () => {
  assert.ok(methodNames().includes('dummy'));
  for (const args of [['attribute', '--help'], ['attribute', 'eval', '--help']]) {
    const help = await cli(...args);
    assert.equal(help.code, 0, help.stderr);
    // Commander wraps help lines at the terminal width.
    const flat = help.stdout.replace(/\s+/g, ' ');
    assert.ok(flat.includes(`--method <names> attribution method(s), comma-separated: ${methodNames().join(', ')}`), flat);
    assert.equal(methodNames().at(-1), 'dummy');
    assert.match(flat, /--level <n> dummy: slope of the ramp \(default: 1\)/);
    assert.match(help.stdout, /^ {2}dummy\s+a test method: a ramp plus the clean score$/m);
    // Shared options appear once, naming every method that reads them.
    assert.equal(flat.match(/--fill <kind>/g)?.length, 1);
    assert.match(flat, /--fill <kind> occlusion\/rise\/score-cam: /);
  }
});

test('`attribute --method dummy` runs the method end to end and records its option', async () => {
  const out = mkdtempSync(join(tmpdir(), 'neurolens-registry-'));
  const r = await cli('attribute', '--model', ws.model, '--images', ws.images, '--out', out, '--method', 'dummy', '--level', '3', '--threads', '1');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^dummy: 2 map\(s\) computed, 0 reused/);
  const json = JSON.parse(readFileSync(join(out, 'attribution.json'), 'utf8')) as AttributionFile;
  assert.deepEqual(json.entries.map((e) => [e.name, e.method, e.options, e.passes]), [
    ['a', 'dummy', { level: 3 }, 1],
    ['b', 'dummy', { level: 3 }, 1],
  ]);
  for (const entry of json.entries) {
    assert.ok(existsSync(join(out, entry.files.png)), entry.files.png);
    const map = await readNpy(join(out, entry.files.npy));
    const width = map.shape[1]!;
    const expected = Float32Array.from({ length: map.data.length }, (_, p) => 3 * (p % width) + entry.target.clean);
    assert.deepEqual(map.data, expected);
  }
  // The option's rule is checked as the flag is read: one line, usage exit code.
  const bad = await cli('attribute', '--model', ws.model, '--images', ws.images, '--out', out, '--method', 'dummy', '--level', '0');
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr, 'neurolens: error: --level must be a positive integer, got 0\n');
  // Required options are checked for `attribute` itself (not for `attribute eval`, tested below).
  const noModel = await cli('attribute', '--images', ws.images, '--out', out, '--method', 'dummy');
  assert.equal(noModel.code, 2);
  assert.equal(noModel.stderr, "neurolens: error: required option '--model <file>' not specified; see --help for usage\n");
});

test('`attribute eval` accepts the method and its option next to built-in ones', async () => {
  const out = mkdtempSync(join(tmpdir(), 'neurolens-registry-eval-'));
  const r = await cli('attribute', 'eval', '--model', ws.model, '--images', ws.images, '--out', out, '--method', 'dummy,cam', '--level', '2', '--steps', '4', '--threads', '1');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\| dummy \| \d/);
  const json = JSON.parse(readFileSync(join(out, 'eval.json'), 'utf8')) as { methods: string[]; protocol: { methodOptions: Record<string, unknown> } };
  assert.deepEqual(json.methods, ['dummy', 'cam']);
  assert.deepEqual(json.protocol.methodOptions.dummy, { level: 2, quantity: 'logit' });
  assert.ok(existsSync(join(out, 'curves.dummy.png')));
});

test('eval keeps its own --seed: RISE does not receive it as a method option', () => {
  const o = evalOptionsFromFlags({ model: 'm.onnx', images: 'd', out: 'o', method: 'rise', seed: 5, masks: 8 });
  assert.equal(o.seed, 5);
  assert.deepEqual(o.methodOptions, { masks: 8 });
});

test('registerMethod refuses a taken name, an unsafe name and a clashing option', () => {
  assert.throws(() => registerMethod(dummy), /already registered/);
  assert.throws(() => registerMethod({ ...dummy, name: 'Dummy 2' }), /use lowercase letters/);
  const window = { ...getMethod('occlusion').options[0]!, doc: 'another window' };
  assert.throws(() => registerMethod({ ...dummy, name: 'dummy2', options: [window] }), /--window \(window\) clashes with --window/);
  assert.throws(() => registerMethod({ ...dummy, name: 'dummy2', options: [{ ...dummy.options[0]!, key: 'limit', flag: '--most' }] }), /option key limit is taken/);
  assert.ok(!methodNames().includes('dummy2'));
  assert.throws(() => getMethod('gradcam'), { message: `--method must be one of ${methodNames().join(', ')}, got "gradcam"` });
});

// `neurolens attribute --raw`: NAME.METHOD.grad.npy next to the map, float32 [C,H,W] equal to the
// input gradient (on the quadrant model: 1/256 on every channel of the bright quadrant for
// 'bright'), recorded in attribution.json with the backward passes; refused in one line, before
// anything runs, for a method without an input gradient.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { rawMethodNames, type AttributionFile } from '../../src/attribution/index.js';
import { buildProgram } from '../../src/cli/program.js';
import { readNpy } from '../../src/store/npy.js';
import { REGION, regionWorkspace } from '../fixtures/region-model.js';
import { runInProcess } from '../helpers/cli.js';

const { size, quadrant } = REGION;
const inQuadrant = (p: number) => Math.floor(p / size) < quadrant && p % size < quadrant;
let ws: { dir: string; model: string; images: string };
before(async () => {
  ws = await regionWorkspace();
});
const cli = (...args: string[]) => runInProcess(buildProgram({ helpWidth: 100 }), args);
const json = (out: string) => JSON.parse(readFileSync(join(out, 'attribution.json'), 'utf8')) as AttributionFile;

test('attribute --raw writes NAME.METHOD.grad.npy [3,16,16] equal to the gradient; the entry records it, its passes and diagnostics', async () => {
  const out = mkdtempSync(join(tmpdir(), 'neurolens-raw-'));
  const r = await cli('attribute', '--model', ws.model, '--images', ws.images, '--out', out, '--method', 'gradient,integrated-gradients', '--target', 'bright', '--path-steps', '8', '--raw', '--threads', '1');
  assert.equal(r.code, 0, r.stderr);
  const entries = json(out).entries;
  assert.deepEqual(entries.map((e) => [e.name, e.method, e.passes, e.backward, e.files.grad]), [
    ['a', 'gradient', 1, 1, 'a.gradient.grad.npy'],
    ['a', 'integrated-gradients', 10, 9, 'a.integrated-gradients.grad.npy'],
    ['b', 'gradient', 1, 1, 'b.gradient.grad.npy'],
    ['b', 'integrated-gradients', 10, 9, 'b.integrated-gradients.grad.npy'],
  ]);
  const grad = await readNpy(join(out, 'a.gradient.grad.npy'));
  assert.equal(grad.dtype, 'float32');
  assert.deepEqual(grad.shape, [3, size, size]);
  grad.data.forEach((v, i) => assert.equal(v, inQuadrant(i % (size * size)) ? 1 / 256 : 0, `value ${i}`));
  const ig = entries.find((e) => e.name === 'a' && e.method === 'integrated-gradients')!;
  assert.ok(ig.diagnostics!.completenessError! < 1e-6, JSON.stringify(ig.diagnostics));
  assert.deepEqual(Object.keys(ig.diagnostics!).sort(), ['attributionSum', 'completenessError', 'completenessRelative', 'scoreDelta']);
  // A re-run with --raw reuses what is there; once a gradient file is gone, that map is recomputed.
  rmSync(join(out, 'b.gradient.grad.npy'));
  const again = await cli('attribute', '--model', ws.model, '--images', ws.images, '--out', out, '--method', 'gradient', '--target', 'bright', '--raw', '--threads', '1');
  assert.match(again.stdout, /^gradient: 1 map\(s\) computed, 1 reused/);
  assert.ok(existsSync(join(out, 'b.gradient.grad.npy')));
  // Recomputed without --raw (another target): the stale gradient file goes, the entry names none.
  await cli('attribute', '--model', ws.model, '--images', ws.images, '--out', out, '--method', 'gradient', '--target', 'dark', '--threads', '1');
  assert.ok(!existsSync(join(out, 'a.gradient.grad.npy')));
  assert.equal(json(out).entries.find((e) => e.name === 'a' && e.method === 'gradient')!.files.grad, undefined);
});

test('attribute --raw with a method without an input gradient: one line, exit 2, nothing computed', async () => {
  const out = mkdtempSync(join(tmpdir(), 'neurolens-raw-refused-'));
  const r = await cli('attribute', '--model', ws.model, '--images', ws.images, '--out', out, '--method', 'gradient,occlusion', '--raw');
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `neurolens: error: --raw stores the input gradient, which --method occlusion does not compute; leave --raw out or use one of ${rawMethodNames().join(', ')}\n`);
  assert.ok(!existsSync(join(out, 'attribution.json')));
  for (const m of ['gradient', 'grad-x-input', 'integrated-gradients', 'smoothgrad', 'smoothgrad-sq', 'vargrad', 'guided-backprop', 'fullgrad']) assert.ok(rawMethodNames().includes(m), m);
  for (const m of ['occlusion', 'rise', 'cam']) assert.ok(!rawMethodNames().includes(m), m);
});

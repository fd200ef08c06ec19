// runAttribution and `neurolens attribute` end to end: files, attribution.json, determinism,
// reuse on re-runs, skipped images, refusing another model's folder; the CLI with a subcommand.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import type { Command } from 'commander';
import sharp from 'sharp';
import { runAttribution, type AttributionFile } from '../../src/attribution/index.js';
import { imageNames } from '../../src/attribution/pipeline.js';
import { readNpy } from '../../src/store/npy.js';
import { REGION, regionWorkspace } from '../fixtures/region-model.js';
import { assertFormat } from '../helpers/schema.js';
import { tinyResNet, writeTempModel } from '../fixtures/tiny-models.js';
import { attributeStubProgram } from '../fixtures/attribute-cli.js';
import { buildProgram } from '../../src/cli/program.js';
import { runInProcess, spawnCli as spawned, type CliResult } from '../helpers/cli.js';

type Result = CliResult;

/** `program`'s command line in this process (a spawned CLI costs seconds of start-up). */
function cli(program: Command, ...args: string[]): Promise<Result> {
  return runInProcess(program, args, { env: { NEUROLENS_DEBUG: undefined } });
}

let ws: { dir: string; model: string; images: string };
before(async () => {
  ws = await regionWorkspace();
  writeFileSync(join(ws.images, 'broken.png'), 'not a png');
});

const out = () => mkdtempSync(join(tmpdir(), 'neurolens-attr-out-'));

test('imageNames: relative path without extension, unsafe characters → _, repeats numbered', () => {
  assert.deepEqual(imageNames(['a.png', 'sub/a.png', 'a.jpg', 'b c.png', 'é.png', 'ü.png']), ['a', 'sub_a', 'a-2', 'b_c', '_', '_-2']);
  // Images above a list file: no hidden (dot-led) stems.
  assert.deepEqual(imageNames(['../../images/x.png', '../.hidden.png', '.dot.png']), ['images_x', 'hidden', 'dot']);
});

test('runAttribution: .npy + .png per image, attribution.json; byte-identical on identical inputs; re-runs reuse', async () => {
  const options = { model: ws.model, images: ws.images, method: 'rise' as const, masks: 64, cells: 4, threads: 1, maxBatch: 16 };
  const dirA = out();
  const warnings: string[] = [];
  const progress: number[] = [];
  const a = await runAttribution({ ...options, out: dirA }, { onWarning: (m) => warnings.push(m), onProgress: (p) => progress.push(p.done) });
  assert.equal(a.computed, 2);
  assert.equal(a.skipped, 1);
  assert.equal(a.passes, 2 * 65);
  assert.deepEqual(progress, [1, 2, 3]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /^skipped broken\.png: broken\.png: /);
  assert.deepEqual(a.files.map((f) => f.slice(dirA.length + 1)), ['a.rise.npy', 'a.rise.png', 'b.rise.npy', 'b.rise.png', 'attribution.json']);

  const json = JSON.parse(readFileSync(a.json, 'utf8')) as AttributionFile;
  assert.deepEqual(Object.keys(json), ['format', 'formatVersion', 'protocol', 'entries', 'skipped']);
  assert.deepEqual([json.format, json.formatVersion], ['neurolens-attribution', 1]);
  assertFormat('neurolens-attribution', json);
  assert.equal((json.protocol.model as { file: string }).file, 'region.onnx');
  assert.equal(json.entries.length, 2);
  const entry = json.entries[0]!;
  assert.deepEqual(Object.keys(entry), ['name', 'path', 'sha256', 'method', 'target', 'options', 'passes', 'files']);
  assert.equal(entry.path, 'a.png');
  assert.deepEqual(entry.options, { masks: 64, cells: 4, keep: 0.5, seed: 0, fill: 'zero' });
  assert.equal(entry.target.spec, 'pred');
  assert.equal(entry.target.description, 'predicted class 1 (bright)');
  assert.ok(Math.abs(entry.target.clean - REGION.bright) < 1e-6);
  assert.deepEqual(entry.files, { npy: 'a.rise.npy', png: 'a.rise.png' });
  assert.equal(json.skipped[0]!.path, 'broken.png');

  const npy = await readNpy(join(dirA, 'a.rise.npy'));
  assert.deepEqual(npy.shape, [16, 16]);
  assert.equal(npy.dtype, 'float32');
  const png = await sharp(join(dirA, 'a.rise.png')).metadata();
  assert.equal(png.format, 'png');
  assert.equal(png.height, 256); // 16 px enlarged ×16
  assert.ok(png.width! > 256 + 16, 'room for the colour bar and its labels');

  // Same inputs into another folder: byte-identical JSON and maps.
  const dirB = out();
  await runAttribution({ ...options, out: dirB });
  for (const f of ['attribution.json', 'a.rise.npy', 'b.rise.npy', 'a.rise.png']) assert.deepEqual(readFileSync(join(dirB, f)), readFileSync(join(dirA, f)), f);

  // Re-run into the same folder: everything reused, nothing recomputed, JSON unchanged.
  const again = await runAttribution({ ...options, out: dirA });
  assert.equal(again.computed, 0);
  assert.equal(again.reused, 2);
  assert.deepEqual(readFileSync(a.json), readFileSync(join(dirB, 'attribution.json')));
  // Other options recompute; another method is added next to it.
  const other = await runAttribution({ ...options, out: dirA, seed: 1, limit: 1 });
  assert.equal(other.computed, 1);
  await runAttribution({ ...options, method: 'cam', out: dirA });
  const merged = JSON.parse(readFileSync(a.json, 'utf8')) as AttributionFile;
  assert.deepEqual(merged.entries.map((e) => `${e.name}.${e.method}`), ['a.cam', 'a.rise', 'b.cam', 'b.rise']);
  assert.equal(merged.entries[1]!.options.seed, 1);

  // A finished file deleted: that image is recomputed.
  const dirC = out();
  await runAttribution({ ...options, out: dirC });
  const { rmSync } = await import('node:fs');
  rmSync(join(dirC, 'b.rise.png'));
  const repaired = await runAttribution({ ...options, out: dirC });
  assert.deepEqual([repaired.computed, repaired.reused], [1, 1]);
  assert.ok(existsSync(join(dirC, 'b.rise.png')));

  // A folder written before the format tag existed is still reused (and gains the tag).
  const { format: _f, formatVersion: _v, ...untagged } = JSON.parse(readFileSync(join(dirC, 'attribution.json'), 'utf8')) as AttributionFile;
  writeFileSync(join(dirC, 'attribution.json'), JSON.stringify(untagged));
  const legacy = await runAttribution({ ...options, out: dirC });
  assert.deepEqual([legacy.computed, legacy.reused], [0, 2]);
  assert.deepEqual(readFileSync(join(dirC, 'attribution.json')), readFileSync(join(dirB, 'attribution.json')));
});

test('runAttribution refuses a folder of another model, and checks everything before the first image', async () => {
  const dir = out();
  await runAttribution({ model: ws.model, images: join(ws.images, 'a.png'), out: dir, method: 'cam', threads: 1 });
  const other = writeTempModel(tinyResNet(), 'other');
  await assert.rejects(runAttribution({ model: other, images: ws.images, out: dir, method: 'cam', threads: 1 }), /holds attributions of another model or preprocessing/);
  // Another format (or version) under the name attribution.json is not overwritten.
  const stored = readFileSync(join(dir, 'attribution.json'), 'utf8');
  for (const tag of [{ format: 'neurolens-attribution', formatVersion: 2 }, { format: 'neurolens-attribution-eval', formatVersion: 1 }]) {
    writeFileSync(join(dir, 'attribution.json'), JSON.stringify({ ...JSON.parse(stored), ...tag }));
    await assert.rejects(runAttribution({ model: ws.model, images: join(ws.images, 'a.png'), out: dir, method: 'cam', threads: 1 }), /holds attributions of another model or preprocessing/);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'attribution.json'), 'utf8')).formatVersion, tag.formatVersion, 'nothing overwritten');
  }
  await assert.rejects(runAttribution({ model: ws.model, images: ws.images, out: out(), method: 'occlusion', window: 99, threads: 1 }), /--window must be/);
  await assert.rejects(runAttribution({ model: ws.model, images: ws.images, out: out(), method: 'cam', target: 'purple', threads: 1 }), /--target "purple" is not a class name of the model card \(e\.g\. dark, bright\)/);
});

test('neurolens attribute: end to end, class name target; one-line errors with exit codes', async () => {
  const dir = out();
  const images = mkdtempSync(join(tmpdir(), 'neurolens-attr-img-'));
  copyFileSync(join(ws.images, 'a.png'), join(images, 'a.png'));
  const ok = await cli(buildProgram(), 'attribute', '--model', ws.model, '--images', images, '--out', dir, '--method', 'occlusion', '--window', '4', '--stride', '4', '--target', 'bright', '--threads', '1');
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^occlusion: 1 map\(s\) computed, 0 reused, 0 image\(s\) skipped in [\d.]+ s \([\d.]+ images\/s\)\nresult: .*attribution\.json\n$/);
  const json = JSON.parse(readFileSync(join(dir, 'attribution.json'), 'utf8')) as AttributionFile;
  assert.equal(json.entries[0]!.target.description, 'class 1 (bright)');
  assert.deepEqual(json.entries[0]!.options, { window: 4, stride: 4, fill: 'zero' });

  const cases: [string[], RegExp, number][] = [
    // Required options are marked and checked as in every command.
    [['--images', images, '--out', dir, '--method', 'cam'], /required option '--model <file>' not specified/, 2],
    [['--model', ws.model, '--images', images, '--out', dir], /required option '--method <names>' not specified/, 2],
    [['--model', ws.model, '--images', images, '--out', dir, '--method', ''], /--method needs at least one attribution method \(occlusion, rise/, 2],
    [['--model', ws.model, '--images', images, '--out', dir, '--method', 'cam', '--target', 'neuron:relu'], /must look like neuron:LAYER:C/, 2],
    [['--model', ws.model, '--images', images, '--out', dir, '--method', 'ablation-cam', '--layer', 'fc'], /--layer fc is a vector layer/, 2],
    [['--model', ws.model, '--images', join(images, 'none'), '--out', dir, '--method', 'cam'], /none/, 1],
  ];
  for (const [args, pattern, code] of cases) {
    const result = await cli(buildProgram(), 'attribute', ...args, '--threads', '1');
    assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`);
    const lines = result.stderr.split('\n').filter((l) => l.startsWith('neurolens: error:'));
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, pattern);
    assert.ok(!result.stderr.includes('    at '), 'no stack trace');
  }
  const badArgs = ['attribute', '--model', ws.model, '--images', images, '--out', dir, '--method', 'gradcam'];
  const badMethod = await cli(buildProgram(), ...badArgs);
  assert.equal(badMethod.code, 2);
  assert.match(badMethod.stderr, /--method must be one of occlusion, .*got "gradcam"/);
  // The real binary gives the same line and exit code.
  const real = spawned(...badArgs);
  assert.deepEqual([real.code, real.stderr], [badMethod.code, badMethod.stderr]);
});

test('attribute runs its own action and dispatches to a subcommand added on the returned Command', async () => {
  const sub = await cli(attributeStubProgram(), 'attribute', 'stub', '--run', 'R', '--model', 'M');
  assert.equal(sub.code, 0, sub.stderr);
  assert.equal(sub.stdout, 'stub subcommand ran with --run R --model M\n');
  const own = await cli(attributeStubProgram(), 'attribute', '--model', ws.model, '--images', join(ws.images, 'a.png'), '--out', out(), '--method', 'cam', '--threads', '1');
  assert.equal(own.code, 0, own.stderr);
  assert.match(own.stdout, /^cam: 1 map\(s\) computed/);
  const help = await cli(attributeStubProgram(), 'attribute', '--help');
  assert.match(help.stdout, /--method <names>/);
  assert.match(help.stdout, /stub/);
});

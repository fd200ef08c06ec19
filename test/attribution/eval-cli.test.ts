// `neurolens attribute eval` through commander, in process: the subcommand under the real
// `attribute` command, flags to library options, the summary on stdout, one-line errors.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { Command } from 'commander';
import sharp from 'sharp';
import { registerAttribute } from '../../src/cli/commands/attribute.js';
import { evalOptionsFromFlags, registerAttributeEval } from '../../src/cli/commands/attribute-eval.js';
import { encodeModel } from '../../src/onnx/codec.js';
import { Random } from '../../src/util/random.js';
import { tinyPlainCnn } from '../fixtures/tiny-models.js';
import { runInProcess, type CliResult } from '../helpers/cli.js';

let dir: string;
let model: string;
let images: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'neurolens-attr-eval-cli-'));
  model = join(dir, 'plain.onnx');
  writeFileSync(model, encodeModel(tinyPlainCnn()));
  images = join(dir, 'images');
  mkdirSync(images);
  const rng = new Random(3);
  for (let i = 0; i < 2; i++) {
    const pixels = Buffer.from(Array.from({ length: 16 * 16 * 3 }, () => rng.int(256)));
    await sharp(pixels, { raw: { width: 16, height: 16, channels: 3 } }).png().toFile(join(images, `im${i}.png`));
  }
});

/**
 * Runs argv through a program laid out like src/cli/main.ts; captures stdout/stderr and the exit
 * code. `positional`: the root program uses positional options (needed for comma-separated
 * --method lists after `attribute eval`; without it `attribute`'s own --method, which takes one
 * method, parses them first).
 */
async function run(positional: boolean, args: string[]): Promise<CliResult> {
  const program = new Command().name('neurolens').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  if (positional) program.enablePositionalOptions();
  registerAttributeEval(registerAttribute(program));
  return runInProcess(program, args);
}

const cli = (...args: string[]) => run(false, args);

test('attribute eval: writes eval.json/eval.md/PNG and prints the summary table', async () => {
  const out = join(dir, 'out');
  const r = await run(false, ['attribute', 'eval', '--model', model, '--images', images, '--method', 'occlusion,cam', '--steps', '4', '--unit', '4', '--window', '4', '--threads', '1', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\| occlusion \| \d/);
  assert.match(r.stdout, /\| cam \| \d/);
  for (const f of ['eval.json', 'eval.md', 'curves.occlusion.png', 'curves.cam.png']) assert.ok(existsSync(join(out, f)), f);
  // Root without positional options (main.ts today): flags `attribute` also declares reach eval
  // through the parent, and the parent's defaults (--quantity logit) do not leak into eval.
  const single = join(dir, 'single');
  const s = await cli('attribute', 'eval', '--model', model, '--images', images, '--method', 'cam', '--steps', '4', '--limit', '1', '--threads', '1', '--out', single);
  assert.equal(s.code, 0, s.stderr);
  const json = JSON.parse(readFileSync(join(single, 'eval.json'), 'utf8')) as { images: unknown[]; protocol: { quantity: string } };
  assert.equal(json.images.length, 1);
  assert.equal(json.protocol.quantity, 'probability');
});

test('attribute eval: bad flags give one line naming the option', async () => {
  const common = ['--model', model, '--images', images, '--out', join(dir, 'bad')];
  const cases: [string[], RegExp][] = [
    [['--method', 'occlusion', '--unit', '0'], /--unit/],
    [['--method', 'occlusion', '--unit', '99'], /--unit 99 is larger than the model input/],
    [['--method', 'occlusion,bogus'], /--method must be one of occlusion, .*got "bogus"/],
    [['--method', 'occlusion', '--baseline', 'grey'], /--baseline "grey" is not a baseline/],
    [['--method', 'occlusion', '--quantity', 'odds'], /--quantity "odds" is not a score quantity/],
    [['--method', 'occlusion', '--curves', 'sideways'], /--curves "sideways"/],
    [['--method', 'occlusion', '--random-maps', '-1'], /--random-maps/],
    [['--method', 'occlusion', '--maps', join(dir, 'none')], /--maps .* holds no readable attribution\.json/],
    [[], /--method needs at least one attribution method/],
  ];
  for (const [extra, pattern] of cases) {
    const r = await run(true, ['attribute', 'eval', ...common, ...extra]);
    assert.notEqual(r.code, 0, `${extra.join(' ')}: ${r.stdout}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${extra.join(' ')}: ${r.stderr}`);
    assert.match(lines[0]!, /^neurolens: error: /, extra.join(' '));
    assert.match(lines[0]!, pattern);
  }
  const missing = await cli('attribute', 'eval', '--images', images, '--method', 'cam', '--out', join(dir, 'x'));
  assert.match(missing.stderr, /needs --model/);
});

test('evalOptionsFromFlags maps flags to library options', () => {
  const o = evalOptionsFromFlags({ model: 'm.onnx', images: 'd', out: 'o', method: 'rise,cam,rise', curves: ['lerf', 'morf'], sanity: true, window: 4, randomMaps: 0 });
  assert.deepEqual(o.methods, ['rise', 'cam']);
  assert.deepEqual(o.curves, ['morf', 'lerf']);
  assert.equal(o.sanity, true);
  assert.equal(o.randomMaps, 0);
  assert.deepEqual(o.methodOptions, { window: 4 });
});

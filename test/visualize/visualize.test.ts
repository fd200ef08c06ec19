/**
 * Feature visualisation end to end on a hand-weighted model (test/fixtures/colour-quadrant-model.ts)
 * whose neuron 0 detects red in the top-left quadrant and neuron 1 green in the bottom-right: the
 * visualisations recover those patterns and beat the dataset's best images; two runs write
 * byte-identical files; bad arguments fail with one line naming the argument.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import sharp from 'sharp';
import { buildProgram } from '../../src/cli/program.js';
import { record } from '../../src/record/recorder.js';
import { visualize } from '../../src/visualize/index.js';
import type { VisualizeLayerFile } from '../../src/visualize/types.js';
import { runInProcess } from '../helpers/cli.js';
import { assertFormat } from '../helpers/schema.js';
import { colourQuadrantWorkspace, QUADRANT } from '../fixtures/colour-quadrant-model.js';

let ws: { dir: string; model: string; images: string; run: string };
const FAST = { layers: ['relu'], steps: 48, rate: 0.2, threads: 1 } as const;

before(async () => {
  const made = await colourQuadrantWorkspace();
  const run = join(made.dir, 'run');
  await record({ model: made.model, images: made.images, out: run, layers: 'all', threads: 1 });
  ws = { ...made, run };
});

/** Mean of (own channel − the larger other channel) over a quadrant of a PNG, in 0..255. */
async function dominance(png: string, channel: 0 | 1, corner: 'top-left' | 'bottom-right'): Promise<number> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const { size, half } = QUADRANT;
  assert.equal(info.width, size);
  const y0 = corner === 'top-left' ? 0 : half;
  let sum = 0;
  for (let y = y0; y < y0 + half; y++) {
    for (let x = y0; x < y0 + half; x++) {
      const p = (y * size + x) * info.channels;
      const others = [0, 1, 2].filter((c) => c !== channel).map((c) => data[p + c]!);
      sum += data[p + channel]! - Math.max(...others);
    }
  }
  return sum / (half * half);
}

test('visualisations recover the hand-wired patterns and beat the best dataset images (mean pooling)', async () => {
  const result = await visualize({ model: ws.model, run: ws.run, ...FAST });
  assert.equal(result.total, 2);
  const file = JSON.parse(readFileSync(join(ws.run, 'visualize', 'relu', 'visualize.json'), 'utf8')) as VisualizeLayerFile;
  assertFormat('neurolens-visualize', file);
  assert.equal(file.format, 'neurolens-visualize');
  assert.equal(file.pooling, 'mean');
  assert.deepEqual(file.neurons.map((n) => n.neuron), [0, 1]);
  for (const n of file.neurons) {
    assert.ok(n.pass && n.activation >= n.best.activation, `neuron ${n.neuron}: ${n.activation} vs best ${n.best.activation}`);
    // The dataset's best image for each neuron is the one holding its (dim) pattern.
    assert.equal(n.best.path, n.neuron === 0 ? 'red.png' : 'green.png');
    assert.ok(Math.abs(n.best.activation - (QUADRANT.dim / 255) / 4) < 1e-6);
  }
  assert.equal(file.share, 1);
  assert.deepEqual(file.failed, []);
  const red = join(ws.run, file.neurons[0]!.image);
  const green = join(ws.run, file.neurons[1]!.image);
  assert.ok((await dominance(red, 0, 'top-left')) > 100, 'neuron 0: top-left is red-dominant');
  assert.ok((await dominance(green, 1, 'bottom-right')) > 100, 'neuron 1: bottom-right is green-dominant');
  // Where a neuron is blind its image is not pushed towards its colour.
  assert.ok((await dominance(red, 0, 'bottom-right')) < 20, 'neuron 0: bottom-right is not red');
});

test('same inputs give byte-identical PNGs and JSON', async () => {
  const copy = join(ws.dir, 'run-copy');
  cpSync(ws.run, copy, { recursive: true });
  await visualize({ model: ws.model, run: ws.run, ...FAST, seed: 7 });
  await visualize({ model: ws.model, run: copy, ...FAST, seed: 7 });
  for (const name of ['0.png', '1.png', 'visualize.json']) {
    assert.deepEqual(readFileSync(join(copy, 'visualize', 'relu', name)), readFileSync(join(ws.run, 'visualize', 'relu', name)), name);
  }
});

test('CLI: writes into the run and reports the share passing', async () => {
  const out = await runInProcess(buildProgram(), ['visualize', '--model', ws.model, '--run', ws.run, '--layers', 'relu', '--neurons', '0', '--steps', '48', '--rate', '0.2', '--threads', '1']);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /^relu: 1 of 1 pass \(100\.0 %\)$/m);
  assert.ok(existsSync(join(ws.run, 'visualize', 'relu', '0.png')));
});

test('CLI: bad input fails with one line naming the argument', async () => {
  const cases: [string[], number, RegExp][] = [
    [['--layers', 'nope'], 2, /nope for --layers/],
    [['--layers', 'relu', '--neurons', '2'], 2, /--neurons 2 is out of range for layer relu.*2 neurons/],
    [['--layers', 'relu', '--neurons', 'x'], 2, /--neurons must be/],
    [['--layers', 'relu', '--steps', '0'], 2, /--steps/],
    [['--layers', 'relu', '--diversity', '0'], 2, /--diversity/],
    [['--layers', 'relu', '--diversity', '2.5'], 2, /--diversity/],
    [['--layers', 'relu', '--diversity', '2', '--diversity-weight', '-1'], 2, /--diversity-weight/],
    [['--layers', 'relu', '--diversity', '2', '--diversity-weight', 'lots'], 2, /--diversity-weight/],
  ];
  for (const [args, code, message] of cases) {
    const out = await runInProcess(buildProgram(), ['visualize', '--model', ws.model, '--run', ws.run, ...args]);
    assert.equal(out.code, code, `${args.join(' ')}: ${out.stderr}`);
    assert.match(out.stderr, message);
    assert.equal(out.stderr.trim().split('\n').length, 1, out.stderr);
  }
  const missing = await runInProcess(buildProgram(), ['visualize', '--model', ws.model, '--run', join(ws.dir, 'no-such-run')]);
  assert.equal(missing.code, 1, missing.stderr);
  assert.match(missing.stderr, /no-such-run/);
  assert.equal(missing.stderr.trim().split('\n').length, 1, missing.stderr);
});

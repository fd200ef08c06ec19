import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isTop, loadReference, referenceFromMatrix, top10Size, top1Size } from '../../src/circuits/reference.js';
import { NeurolensError } from '../../src/errors.js';
import { writeNpy } from '../../src/store/npy.js';
import { Random } from '../../src/util/random.js';
import type { Pooling } from '../../src/record/types.js';
import { handManifest } from '../run/helpers.js';

/** Full-sort reference ranking: value descending (NaN last), ties to the lower index. */
function bruteTop(matrix: Float32Array, images: number, channels: number, c: number, k: number): { members: number[]; theta: number } {
  const order = Array.from({ length: images }, (_, i) => i);
  const v = (i: number) => {
    const x = matrix[i * channels + c]!;
    return Number.isNaN(x) ? Number.NEGATIVE_INFINITY : x;
  };
  order.sort((a, b) => v(b) - v(a) || a - b);
  const top = order.slice(0, k);
  return { members: [...top].sort((a, b) => a - b), theta: v(top[k - 1]!) };
}

test('reference: set sizes use ⌈N/100⌉ and ⌈N/10⌉ with a floor of one, in exact integer arithmetic', () => {
  assert.deepEqual([1, 5, 99, 100, 101, 300, 25000].map(top1Size), [1, 1, 1, 1, 2, 3, 250]);
  assert.deepEqual([1, 5, 10, 11, 20, 300, 25000].map(top10Size), [1, 1, 1, 2, 2, 30, 2500]);
  assert.equal(top1Size(0), 0);
});

test('reference: hand-made matrix with ties (lower image index wins, θ = last member)', () => {
  // 20 images × 2 channels → |T1| = 1, |T10| = 2.
  const images = 20;
  const col0 = [1, 5, 3, 5, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5]; // three-way tie at the top
  const col1 = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 19, 18];
  const matrix = new Float32Array(images * 2);
  for (let i = 0; i < images; i++) {
    matrix[i * 2] = col0[i]!;
    matrix[i * 2 + 1] = col1[i]!;
  }
  const ref = referenceFromMatrix(matrix, images, 2, 'conv');
  assert.equal(ref.layer, 'conv');
  assert.deepEqual(Array.from(ref.T1[0]!), [1]);
  assert.deepEqual(Array.from(ref.T10[0]!), [1, 3]);
  assert.equal(ref.theta1[0], 5);
  assert.equal(ref.theta10[0], 5);
  assert.deepEqual(Array.from(ref.T1[1]!), [18]);
  assert.deepEqual(Array.from(ref.T10[1]!), [18, 19]); // sorted by image index, not by rank
  assert.equal(ref.theta1[1], 19);
  assert.equal(ref.theta10[1], 18);
  // A query is placed by θ: ties with θ count as members.
  assert.equal(isTop(ref, 1, 18, '10'), true);
  assert.equal(isTop(ref, 1, 17.9, '10'), false);
  assert.equal(isTop(ref, 1, 18.5, '1'), false);
  assert.equal(isTop(ref, 1, 19, '1'), true);
  assert.equal(isTop(ref, 0, Number.NaN, '10'), false);
});

test('reference: selection agrees with a full sort on random data with many ties and NaN', () => {
  const rng = new Random(3);
  for (const [images, channels] of [[1, 3], [9, 2], [257, 7], [1234, 5]] as const) {
    const matrix = new Float32Array(images * channels);
    for (let i = 0; i < matrix.length; i++) matrix[i] = Math.round(rng.normal() * 3) / 2; // few distinct values
    if (images > 9) matrix[5 * channels] = Number.NaN;
    // A constant and a sorted column: the quickselect's worst shapes.
    for (let i = 0; i < images; i++) {
      matrix[i * channels + channels - 1] = 7;
      if (channels > 2) matrix[i * channels + 1] = i;
    }
    const ref = referenceFromMatrix(matrix, images, channels);
    for (let c = 0; c < channels; c++) {
      const one = bruteTop(matrix, images, channels, c, top1Size(images));
      const ten = bruteTop(matrix, images, channels, c, top10Size(images));
      assert.deepEqual(Array.from(ref.T1[c]!), one.members, `${images}×${channels} c${c} T1`);
      assert.deepEqual(Array.from(ref.T10[c]!), ten.members, `${images}×${channels} c${c} T10`);
      assert.equal(ref.theta1[c], one.theta);
      assert.equal(ref.theta10[c], ten.theta);
      for (const i of ref.T1[c]!) assert.ok(ref.T10[c]!.includes(i), 'T1 ⊆ T10');
    }
  }
});

test('reference: 25k images × 512 channels in reasonable time', () => {
  const images = 25000;
  const channels = 512;
  const rng = new Random(1);
  const matrix = new Float32Array(images * channels);
  for (let i = 0; i < matrix.length; i++) matrix[i] = rng.normal();
  const start = performance.now();
  const ref = referenceFromMatrix(matrix, images, channels);
  const ms = performance.now() - start;
  assert.equal(ref.T1[511]!.length, 250);
  assert.equal(ref.T10[511]!.length, 2500);
  assert.ok(ms < 20000, `took ${ms.toFixed(0)} ms`);
});

async function fakeRun(dir: string, poolings: string[], layers: { id: string; channels: number; matrix: Float32Array }[], images: number) {
  await mkdir(join(dir, 'activations'), { recursive: true });
  for (const l of layers) await writeNpy(join(dir, 'activations', `${l.id.replace(/[^A-Za-z0-9._-]/g, '_')}.top10.npy`), l.matrix, [images, l.channels]);
  const manifest = handManifest(poolings as Pooling[], layers, images);
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
}

test('reference: loadReference reads a run, keeps manifest order, and explains missing top10 pooling', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'neurolens-ref-'));
  try {
    const rng = new Random(2);
    const images = 30;
    const mk = (channels: number) => Float32Array.from({ length: images * channels }, () => rng.normal());
    const layers = [
      { id: 'layer1/out', channels: 3, matrix: mk(3) },
      { id: 'layer2', channels: 4, matrix: mk(4) },
    ];
    const run = join(dir, 'run');
    await fakeRun(run, ['mean', 'top10'], layers, images);
    const all = await loadReference(run);
    assert.equal(all.images, images);
    assert.deepEqual(all.layers.map((l) => l.layer), ['layer1/out', 'layer2']);
    assert.deepEqual(all.layers[1], referenceFromMatrix(layers[1]!.matrix, images, 4, 'layer2'));
    const picked = await loadReference(run, ['layer2', 'layer1/out']);
    assert.deepEqual(picked.layers.map((l) => l.layer), ['layer1/out', 'layer2']);
    await assert.rejects(loadReference(run, ['layer9']), (e: unknown) => e instanceof NeurolensError && /layer9/.test(e.message) && /layer2/.test(e.message));

    const old = join(dir, 'old');
    await fakeRun(old, ['mean', 'max'], layers, images);
    await assert.rejects(loadReference(old), (e: unknown) => {
      assert.ok(e instanceof NeurolensError);
      assert.equal(e.kind, 'input');
      assert.ok(!e.message.includes('\n'));
      assert.match(e.message, /--pool mean,max,top10/);
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

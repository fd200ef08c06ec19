// The demo's colour-mask dataset: HSV colour rules on known pixels, and masks that cover exactly
// the pixels of their colour (transparent pixels in none), with a JSONL `neurons --masks` reads.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { colourOf, writeColourMasks } from '../../src/demo/colour-masks.js';
import { readMaskDataset } from '../../src/neurons/masks.js';

test('colourOf: the documented HSV rules', () => {
  assert.equal(colourOf(255, 0, 0), 'red');
  assert.equal(colourOf(255, 128, 0), 'orange');
  assert.equal(colourOf(255, 230, 0), 'yellow');
  assert.equal(colourOf(0, 200, 0), 'green');
  assert.equal(colourOf(0, 0, 255), 'blue');
  assert.equal(colourOf(160, 0, 255), 'purple');
  assert.equal(colourOf(255, 0, 200), 'purple');
  assert.equal(colourOf(10, 10, 40), 'black');
  assert.equal(colourOf(250, 250, 250), 'white');
  assert.equal(colourOf(120, 120, 125), 'grey');
});

test('writeColourMasks: one mask per colour above 2 % of the opaque pixels; transparent pixels in none', async () => {
  const root = mkdtempSync(join(tmpdir(), 'neurolens-colour-masks-'));
  mkdirSync(join(root, 'images', 'a'), { recursive: true });
  // 10×10: left half red, right half blue except one green pixel (1 % → no mask), top row transparent.
  const pixels = Buffer.alloc(10 * 10 * 4);
  for (let y = 0; y < 10; y++) {
    for (let x = 0; x < 10; x++) {
      const o = (y * 10 + x) * 4;
      const [r, g, b] = x < 5 ? [255, 0, 0] : x === 9 && y === 9 ? [0, 200, 0] : [0, 0, 255];
      pixels.set([r, g, b, y === 0 ? 0 : 255], o);
    }
  }
  await sharp(pixels, { raw: { width: 10, height: 10, channels: 4 } }).png().toFile(join(root, 'images', 'a', 'x.png'));
  const jsonl = await writeColourMasks(join(root, 'images'), ['a/x.png'], join(root, 'colour-masks'));
  const dataset = await readMaskDataset(jsonl);
  assert.deepEqual(dataset.concepts, ['blue', 'red']);
  assert.equal(dataset.entries[0]!.image, join(root, 'images', 'a', 'x.png'));
  const red = await sharp(dataset.entries[0]!.masks.get('red')!).raw().toBuffer();
  let on = 0;
  for (let p = 0; p < 100; p++) {
    const inside = red[p * (red.length / 100)]! > 127;
    if (inside) on++;
    assert.equal(inside, p % 10 < 5 && p >= 10, `pixel ${p}`);
  }
  assert.equal(on, 45);
  assert.match(readFileSync(jsonl, 'utf8'), /"image":"..\/images\/a\/x.png"/);
});

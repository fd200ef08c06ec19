import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import { decodeImage, resolvePreprocessing, type Preprocessing } from '../../src/images/index.js';
import { assertColour, fromPixels, identityPrep, pixelAt, put, tempDir } from './helpers.js';

const dir = await tempDir(); // module level, so it lives until the whole file is done

/** Asserts element-wise closeness to hand-computed values. */
function assertClose(actual: Float32Array, expected: readonly number[], tolerance = 1e-5): void {
  assert.equal(actual.length, expected.length, 'tensor length');
  expected.forEach((e, i) => assert.ok(Math.abs((actual[i] as number) - e) <= tolerance, `index ${i}: got ${actual[i]}, expected ${e}`));
}

const RED = [255, 0, 0];
const GREEN = [0, 255, 0];
const BLUE = [0, 0, 255];

describe('decodeImage numerics', () => {
  // 2x2 RGB: (0,0,0) (255,0,0) / (0,128,255) (10,20,30); mean/std per channel below.
  const pixels = [[0, 0, 0], [255, 0, 0], [0, 128, 255], [10, 20, 30]];
  const stats = { mean: [0.5, 0.25, 0], std: [0.5, 0.25, 1] };
  // Hand-computed (v/255 - mean)/std:
  // R: -1, 1, -1, 10/255*2-1 = -0.921569;  G: -1, -1, 128/255*4-1 = 1.007843, 20/255*4-1 = -0.686275
  // B: 0, 0, 1, 30/255 = 0.117647
  const R = [-1, 1, -1, -0.921569];
  const G = [-1, -1, 1.007843, -0.686275];
  const B = [0, 0, 1, 0.117647];
  let file: string;
  before(async () => {
    file = await put(dir, 'tiny.png', await fromPixels(2, 2, 3, (x, y) => pixels[y * 2 + x] as number[]).png().toBuffer());
  });

  it('normalises into NCHW planes', async () => {
    const prep = identityPrep(2, 2, { ...stats, layout: 'NCHW', resize: 'shorter-crop', interpolation: 'linear' });
    const decoded = await decodeImage(file, prep);
    assertClose(decoded.data, [...R, ...G, ...B], 1e-5);
    assert.equal(decoded.width, 2);
    assert.equal(decoded.height, 2);
    assert.equal(decoded.sha256, createHash('sha256').update(await readFile(file)).digest('hex'));
  });

  it('normalises into NHWC pixels', async () => {
    const prep = identityPrep(2, 2, { ...stats, layout: 'NHWC' });
    const decoded = await decodeImage(file, prep);
    assertClose(decoded.data, [0, 1, 2, 3].flatMap((i) => [R[i] as number, G[i] as number, B[i] as number]), 1e-5);
  });

  it('resizes uniform blocks exactly with nearest-neighbour stretch', async () => {
    // 4x4 made of 2x2 blocks: red, green / blue, white -> 2x2 keeps one pixel per block.
    const colours = [RED, GREEN, BLUE, [255, 255, 255]];
    const blocks = await put(dir, 'blocks.png', await fromPixels(4, 4, 3, (x, y) => colours[(y >> 1) * 2 + (x >> 1)] as number[]).png().toBuffer());
    const prep = identityPrep(2, 2);
    const decoded = await decodeImage(blocks, prep);
    colours.forEach((colour, i) => assert.deepEqual(pixelAt(decoded.data, prep, i % 2, i >> 1), colour, `block ${i}`));
    assert.equal(decoded.width, 4, 'original size, not the tensor size');
  });

  it('keeps a uniform colour uniform with every kernel', async () => {
    const flat = await put(dir, 'flat.png', await fromPixels(9, 7, 3, () => [40, 90, 200]).png().toBuffer());
    for (const interpolation of ['nearest', 'linear', 'cubic', 'lanczos3'] as const) {
      const prep = identityPrep(5, 4, { interpolation });
      const decoded = await decodeImage(flat, prep);
      for (let i = 0; i < 20; i++) assertColour(pixelAt(decoded.data, prep, i % 4, Math.floor(i / 4)), [40, 90, 200], 1, interpolation);
    }
  });

  it('writes into a caller-provided slot of a batch tensor', async () => {
    const prep = identityPrep(2, 2, { ...stats, layout: 'NCHW' });
    const batch = new Float32Array(24).fill(7);
    const slot = batch.subarray(12, 24);
    const decoded = await decodeImage(file, prep, { into: slot });
    assert.equal(decoded.data, slot);
    assert.ok(batch.subarray(0, 12).every((v) => v === 7), 'other slots untouched');
    assertClose(slot, [...R, ...G, ...B], 1e-5);
    await assert.rejects(decodeImage(file, prep, { into: new Float32Array(11) }), RangeError);
  });
});

describe('decodeImage geometry', () => {
  /** 40x20: columns 0-9 red, 10-29 green, 30-39 blue (or the transpose when `tall`). */
  const thirds = (tall: boolean) =>
    fromPixels(tall ? 20 : 40, tall ? 40 : 20, 3, (x, y) => {
      const t = tall ? y : x;
      return t < 10 ? RED : t < 30 ? GREEN : BLUE;
    });

  it('shorter-crop keeps the middle of a wide and of a tall image', async () => {
    for (const tall of [false, true]) {
      const file = await put(dir, `thirds-${tall}.png`, await thirds(tall).png().toBuffer());
      // Shorter side 20 -> 10 (cropFraction 1), longer 40 -> 20, centre 10x10 = the green third.
      const prep = identityPrep(10, 10, { resize: 'shorter-crop', cropFraction: 1 });
      const decoded = await decodeImage(file, prep);
      for (let y = 0; y < 10; y++) for (let x = 0; x < 10; x++) assertColour(pixelAt(decoded.data, prep, x, y), GREEN, 0, `tall=${tall} (${x},${y})`);
      assert.deepEqual([decoded.width, decoded.height], tall ? [20, 40] : [40, 20]);
    }
  });

  it('shorter-crop with cropFraction 0.5 keeps the central half', async () => {
    // 40x40: a green 20x20 square in the middle of red; 20/0.5 = 40, so no resize, crop 10..29.
    const file = await put(dir, 'centre.png', await fromPixels(40, 40, 3, (x, y) => (x >= 10 && x < 30 && y >= 10 && y < 30 ? GREEN : RED)).png().toBuffer());
    const prep = identityPrep(20, 20, { resize: 'shorter-crop', cropFraction: 0.5 });
    const decoded = await decodeImage(file, prep);
    for (let i = 0; i < 400; i++) assertColour(pixelAt(decoded.data, prep, i % 20, Math.floor(i / 20)), GREEN, 0, `pixel ${i}`);
  });

  it('stretch keeps all three thirds, squeezed', async () => {
    const file = await put(dir, 'thirds-stretch.png', await thirds(false).png().toBuffer());
    const prep = identityPrep(5, 8, { resize: 'stretch' }); // 40 -> 8 columns: 2 red, 4 green, 2 blue
    const decoded = await decodeImage(file, prep);
    assert.deepEqual(pixelAt(decoded.data, prep, 0, 2), RED);
    assert.deepEqual(pixelAt(decoded.data, prep, 4, 2), GREEN);
    assert.deepEqual(pixelAt(decoded.data, prep, 7, 2), BLUE);
  });

  it('the default ImageNet recipe turns a 256x256 JPEG into a 3x224x224 tensor', async () => {
    const file = await put(dir, 'photo.jpg', await fromPixels(256, 256, 3, (x, y) => [x, y, 128]).jpeg({ quality: 95 }).toBuffer());
    const prep = resolvePreprocessing({ name: 'input', dims: [1, 3, 224, 224], elemType: 'float32' });
    const decoded = await decodeImage(file, prep);
    assert.equal(decoded.data.length, 3 * 224 * 224);
    // Top-left of the crop is source pixel (16, 16): R = 16 -> (16/255 - 0.485)/0.229 ~ -1.84.
    const expectedR = (16 / 255 - 0.485) / 0.229;
    assert.ok(Math.abs((decoded.data[0] as number) - expectedR) < 0.08, `R(0,0) = ${decoded.data[0]}`);
    const expectedG = (16 / 255 - 0.456) / 0.224;
    assert.ok(Math.abs((decoded.data[224 * 224] as number) - expectedG) < 0.08, `G(0,0) = ${decoded.data[224 * 224]}`);
  });
});

describe('decodeImage orientation', () => {
  /** Stored 32 wide x 16 high: left half red, right half blue (8-pixel aligned for clean JPEG blocks). */
  const stored = () => fromPixels(32, 16, 3, (x) => (x < 16 ? RED : BLUE));

  for (const format of ['jpeg', 'png'] as const) {
    it(`honours EXIF orientation 6 in ${format} (size swapped, left edge on top)`, async () => {
      const encoded = format === 'jpeg' ? stored().jpeg({ quality: 100 }) : stored().png();
      const file = await put(dir, `rot6.${format}`, await encoded.withMetadata({ orientation: 6 }).toBuffer());
      const prep = identityPrep(32, 16); // displayed size: 16 wide x 32 high
      const decoded = await decodeImage(file, prep);
      assert.deepEqual([decoded.width, decoded.height], [16, 32]);
      // Orientation 6 = rotate 90° clockwise to display: the stored left (red) becomes the top.
      assertColour(pixelAt(decoded.data, prep, 8, 4), RED, 12, 'top');
      assertColour(pixelAt(decoded.data, prep, 8, 27), BLUE, 12, 'bottom');
    });
  }

  it('honours orientation 3 (180°) without swapping the size', async () => {
    const file = await put(dir, 'rot3.jpg', await stored().jpeg({ quality: 100 }).withMetadata({ orientation: 3 }).toBuffer());
    const prep = identityPrep(16, 32);
    const decoded = await decodeImage(file, prep);
    assert.deepEqual([decoded.width, decoded.height], [32, 16]);
    assertColour(pixelAt(decoded.data, prep, 4, 8), BLUE, 12, 'left');
    assertColour(pixelAt(decoded.data, prep, 27, 8), RED, 12, 'right');
  });
});

describe('decodeImage transparency', () => {
  // 3x1 RGBA: fully transparent black, half-transparent red (alpha 128), opaque (10,20,30).
  let file: string;
  before(async () => {
    const px = [[0, 0, 0, 0], [200, 0, 0, 128], [10, 20, 30, 255]];
    file = await put(dir, 'alpha.png', await fromPixels(3, 1, 4, (x) => px[x] as number[]).png().toBuffer());
  });

  it('flattens onto white by default', async () => {
    const prep = resolvePreprocessing({ name: 'x', dims: [1, 3, 'h', 'w'], elemType: 'float32' }, undefined, { size: [1, 3] });
    assert.deepEqual(prep.background, [255, 255, 255]);
    const rgb = identityPrep(1, 3, { background: prep.background });
    const decoded = await decodeImage(file, rgb);
    assert.deepEqual(pixelAt(decoded.data, rgb, 0, 0), [255, 255, 255]);
    // 200·a + 255·(1-a) with a = 128/255 ≈ 227; green/blue 255·(1-a) ≈ 127.
    assertColour(pixelAt(decoded.data, rgb, 1, 0), [227, 127, 127], 2, 'half transparent');
    assert.deepEqual(pixelAt(decoded.data, rgb, 2, 0), [10, 20, 30]);
  });

  it('flattens onto a custom background', async () => {
    const prep = identityPrep(1, 3, { background: [0, 128, 64] });
    const decoded = await decodeImage(file, prep);
    assert.deepEqual(pixelAt(decoded.data, prep, 0, 0), [0, 128, 64]);
    assertColour(pixelAt(decoded.data, prep, 1, 0), [100, 64, 32], 2, 'half transparent');
  });
});

describe('decodeImage formats', () => {
  const rgbPrep = (h: number, w: number) => identityPrep(h, w);

  it('greyscale PNG becomes R=G=B for an RGB model, and grey for a 1-channel model', async () => {
    const file = await put(dir, 'grey.png', await fromPixels(2, 1, 1, (x) => [x === 0 ? 0 : 153]).toColourspace('b-w').png().toBuffer());
    assert.equal((await sharp(file).metadata()).channels, 1);
    const rgb = rgbPrep(1, 2);
    const decoded = await decodeImage(file, rgb);
    assert.deepEqual(pixelAt(decoded.data, rgb, 1, 0), [153, 153, 153]);
    // 1-channel model with its default 0.5/0.5: 0 -> -1, 153/255 = 0.6 -> 0.2.
    const grey = resolvePreprocessing({ name: 'x', dims: [1, 1, 1, 2], elemType: 'float32' }, undefined, { resize: 'stretch' });
    assertClose((await decodeImage(file, grey)).data, [-1, 0.2]);
  });

  it('colour images are converted to luminance for a 1-channel model', async () => {
    const file = await put(dir, 'colour.png', await fromPixels(2, 1, 3, (x) => (x === 0 ? [255, 255, 255] : [90, 90, 90])).png().toBuffer());
    const grey = identityPrep(1, 2, { channels: 1 });
    const decoded = await decodeImage(file, grey);
    assert.equal(decoded.data.length, 2);
    assert.deepEqual(pixelAt(decoded.data, grey, 0, 0), [255]);
    assertColour(pixelAt(decoded.data, grey, 1, 0), [90], 1, 'grey');
  });

  it('16-bit PNG is reduced to 8 bits', async () => {
    const words = new Uint16Array([65535, 32896, 0, 0, 65535, 257]);
    const png16 = await sharp(words, { raw: { width: 2, height: 1, channels: 3 } }).toColourspace('rgb16').png().toBuffer();
    assert.equal((await sharp(png16).metadata()).depth, 'ushort', 'the test image is 16-bit');
    const file = await put(dir, 'deep.png', png16);
    const prep = rgbPrep(1, 2);
    const decoded = await decodeImage(file, prep);
    assertColour(pixelAt(decoded.data, prep, 0, 0), [255, 128, 0], 1, 'pixel 0');
    assertColour(pixelAt(decoded.data, prep, 1, 0), [0, 255, 1], 1, 'pixel 1');
  });

  it('CMYK JPEG is converted to sRGB', async () => {
    const cmyk = await fromPixels(16, 16, 3, () => [200, 40, 20]).toColourspace('cmyk').jpeg({ quality: 100 }).toBuffer();
    assert.equal((await sharp(cmyk).metadata()).space, 'cmyk', 'the test image is CMYK');
    const file = await put(dir, 'cmyk.jpg', cmyk);
    const prep = rgbPrep(16, 16);
    const [r, g, b] = pixelAt((await decodeImage(file, prep)).data, prep, 8, 8) as [number, number, number];
    assert.ok(r > 150 && g < 100 && b < 80, `a red pixel, got [${r}, ${g}, ${b}]`);
  });

  it('palette PNG, TIFF and lossless WebP decode exactly', async () => {
    const make = () => fromPixels(4, 2, 3, (x) => (x < 2 ? [10, 200, 30] : [250, 5, 100]));
    const files = {
      'palette.png': await make().png({ palette: true, colours: 4, dither: 0 }).toBuffer(),
      'image.tiff': await make().tiff({ compression: 'lzw' }).toBuffer(),
      'image.webp': await make().webp({ lossless: true }).toBuffer(),
    };
    assert.equal((await sharp(files['palette.png']).metadata()).isPalette, true, 'the test image is a palette PNG');
    const prep = rgbPrep(2, 4);
    for (const [name, bytes] of Object.entries(files)) {
      const decoded = await decodeImage(await put(dir, name, bytes), prep);
      assert.deepEqual(pixelAt(decoded.data, prep, 0, 1), [10, 200, 30], name);
      assert.deepEqual(pixelAt(decoded.data, prep, 3, 0), [250, 5, 100], name);
    }
  });

  it('animated GIF and WebP give their first frame', async () => {
    const frame = (colour: number[]) => fromPixels(6, 4, 3, () => colour).png().toBuffer();
    const frames = [await frame(RED), await frame(BLUE)];
    const prep = rgbPrep(4, 6);
    for (const format of ['gif', 'webp'] as const) {
      const animated = sharp(frames, { join: { animated: true } });
      const bytes = await (format === 'gif' ? animated.gif() : animated.webp({ lossless: true })).toBuffer();
      assert.equal((await sharp(bytes).metadata()).pages, 2, `the test ${format} has two frames`);
      const decoded = await decodeImage(await put(dir, `anim.${format}`, bytes), prep);
      assert.deepEqual([decoded.width, decoded.height], [6, 4], `${format}: one frame's size`);
      assertColour(pixelAt(decoded.data, prep, 3, 2), RED, 8, format);
    }
  });

  it('AVIF decodes', async () => {
    const file = await put(dir, 'tiny.avif', await fromPixels(16, 16, 3, () => [30, 160, 220]).avif({ quality: 90, effort: 0 }).toBuffer());
    const prep: Preprocessing = rgbPrep(8, 8);
    assertColour(pixelAt((await decodeImage(file, prep)).data, prep, 4, 4), [30, 160, 220], 12, 'avif');
  });
});

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { decodeImage } from '../../src/images/index.js';
import { assertFailsWith, fromPixels, identityPrep, put, tempDir } from './helpers.js';

const dir = await tempDir();
const prep = identityPrep(8, 8);
/** 64x64 of varied pixels, so the compressed data is long enough to cut in half. */
const noisy = () => fromPixels(64, 64, 3, (x, y) => [(x * 37 + y * 11) & 255, (x * y) & 255, (x ^ y) * 4]);
const escaped = (text: string) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));

describe('decodeImage failures', () => {
  it('names a missing file', async () => {
    const file = join(dir, 'gone.jpg');
    await assertFailsWith(decodeImage(file, prep), 'input', /^.*gone\.jpg: file not found$/, escaped(file));
  });

  it('names a folder passed as an image', async () => {
    const folder = join(dir, 'folder.png');
    await mkdir(folder);
    await assertFailsWith(decodeImage(folder, prep), 'input', /folder\.png: is a folder, not an image$/);
  });

  it('refuses an empty file', async () => {
    const file = await put(dir, 'empty.png', '');
    await assertFailsWith(decodeImage(file, prep), 'input', /empty\.png: empty file/);
  });

  it('refuses a text file with an image extension', async () => {
    const file = await put(dir, 'notes.jpg', 'these are not the pixels you are looking for\n');
    await assertFailsWith(decodeImage(file, prep), 'input', /notes\.jpg: unsupported or corrupt image \(not a format sharp can read\)$/);
  });

  it('refuses a JPEG whose data is garbage after a valid header', async () => {
    const jpeg = await noisy().jpeg().toBuffer();
    const corrupt = Buffer.concat([jpeg.subarray(0, 200), Buffer.alloc(jpeg.length - 200, 0x5a)]);
    await assertFailsWith(decodeImage(await put(dir, 'corrupt.jpg', corrupt), prep), 'input', /corrupt\.jpg: unsupported or corrupt image \(.+\)$/);
  });

  it('refuses truncated JPEG and PNG files', async () => {
    const cutJpeg = (await noisy().jpeg().toBuffer()).subarray(0, 1000);
    await assertFailsWith(decodeImage(await put(dir, 'short.jpg', cutJpeg), prep), 'input', /short\.jpg: truncated or corrupt image \(.*premature end/);
    const jpeg = await noisy().jpeg().toBuffer();
    const png = await noisy().png().toBuffer();
    for (const [name, bytes] of [['cut.jpg', jpeg], ['cut.png', png]] as const) {
      const file = await put(dir, name, bytes.subarray(0, Math.floor(bytes.length / 2)));
      await assertFailsWith(decodeImage(file, prep), 'input', new RegExp(`${name.replace('.', '\\.')}: (truncated|unsupported) or corrupt image \\(.+\\)$`));
    }
  });

  it('refuses a decompression bomb before decoding it, with the size and the fix', async () => {
    // 2000x2000 of one colour compresses to a few kB; the limit here is 1 megapixel.
    const png = await sharp({ create: { width: 2000, height: 2000, channels: 3, background: '#fff' } }).png().toBuffer();
    assert.ok(png.length < 100_000, `the bomb is small on disk (${png.length} bytes)`);
    const small = identityPrep(8, 8, { maxPixels: 1_000_000 });
    await assertFailsWith(
      decodeImage(await put(dir, 'bomb.png', png), small),
      'input',
      /bomb\.png: 2000x2000 = 4000000 pixels exceeds the pixel limit of 1000000 \(raise it with --max-pixels\)$/,
    );
    // JPEG sizes are read from the header in JavaScript: the same guard applies.
    const jpeg = await noisy().jpeg().toBuffer();
    await assertFailsWith(
      decodeImage(await put(dir, 'big.jpg', jpeg), identityPrep(8, 8, { maxPixels: 1000 })),
      'input',
      /big\.jpg: 64x64 = 4096 pixels exceeds the pixel limit of 1000/,
    );
  });

  it('explains HEIC files the prebuilt sharp cannot read', async () => {
    const fake = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic\0\0\0\0mif1heic'), Buffer.alloc(64)]);
    await assertFailsWith(decodeImage(await put(dir, 'phone.heic', fake), prep), 'input', /phone\.heic: cannot decode HEIC\/HEIF/, /convert it to JPEG or PNG/);
  });

  it('uses displayPath in the message when given', async () => {
    const file = await put(dir, 'named.png', 'nope');
    const error = await assertFailsWith(decodeImage(file, prep, { displayPath: 'cats/named.png' }), 'input', /^cats\/named\.png: /);
    assert.ok(!error.message.includes(dir), error.message);
  });

  it('leaves a caller-provided slot untouched when decoding fails', async () => {
    const slot = new Float32Array(3 * 8 * 8).fill(3);
    await assert.rejects(decodeImage(join(dir, 'absent.png'), prep, { into: slot }));
    assert.ok(slot.every((v) => v === 3));
  });
});

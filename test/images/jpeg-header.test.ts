import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { readJpegHeader } from '../../src/images/jpeg-header.js';
import { fromPixels } from './helpers.js';

const stripes = () => fromPixels(24, 16, 3, (x) => (x < 12 ? [200, 0, 0] : [0, 0, 200]));

describe('readJpegHeader', () => {
  it('agrees with libvips on size and every EXIF orientation', async () => {
    for (let orientation = 1; orientation <= 8; orientation++) {
      const jpeg = await stripes().jpeg().withMetadata({ orientation }).toBuffer();
      const meta = await sharp(jpeg).metadata();
      assert.equal(meta.orientation, orientation, 'the test image carries the orientation');
      assert.deepEqual(readJpegHeader(jpeg), { width: meta.width, height: meta.height, orientation });
    }
  });

  it('reads progressive and CMYK JPEGs and defaults to orientation 1 without EXIF', async () => {
    const progressive = await stripes().jpeg({ progressive: true }).toBuffer();
    assert.deepEqual(readJpegHeader(progressive), { width: 24, height: 16, orientation: 1 });
    const cmyk = await stripes().toColourspace('cmyk').jpeg().toBuffer();
    assert.equal((await sharp(cmyk).metadata()).space, 'cmyk');
    assert.deepEqual(readJpegHeader(cmyk), { width: 24, height: 16, orientation: 1 });
  });

  it('gives up (so sharp decides) on anything that is not a readable JPEG header', async () => {
    const jpeg = await stripes().jpeg().withMetadata({ orientation: 6 }).toBuffer();
    assert.equal(readJpegHeader(await stripes().png().toBuffer()), undefined);
    assert.equal(readJpegHeader(new Uint8Array(0)), undefined);
    assert.equal(readJpegHeader(jpeg.subarray(0, 30)), undefined, 'cut inside the Exif block');
    const noFrame = Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02, 0xff, 0xd9]);
    assert.equal(readJpegHeader(noFrame), undefined);
  });
});

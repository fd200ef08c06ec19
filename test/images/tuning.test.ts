import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { decodeConcurrency, tuneDecoding } from '../../src/images/index.js';

describe('tuneDecoding', () => {
  it('sets one libvips thread per image and switches the operation cache off', () => {
    const applied = tuneDecoding();
    assert.equal(applied.threadsPerImage, 1);
    assert.equal(sharp.concurrency(), 1);
    assert.equal(applied.cache, false);
    assert.equal(sharp.cache().items.max, 0);
    assert.equal(applied.decodeConcurrency, decodeConcurrency());
    const custom = tuneDecoding({ threadsPerImage: 2, cache: true });
    assert.equal(custom.threadsPerImage, 2);
    assert.equal(sharp.concurrency(), 2);
    assert.ok(sharp.cache().items.max > 0);
  });
});

describe('decodeConcurrency', () => {
  it('never exceeds the libuv thread pool', () => {
    const saved = process.env['UV_THREADPOOL_SIZE'];
    try {
      process.env['UV_THREADPOOL_SIZE'] = '1';
      assert.equal(decodeConcurrency(), 1);
      delete process.env['UV_THREADPOOL_SIZE'];
      const n = decodeConcurrency();
      assert.ok(n >= 1 && n <= 4, `default pool of 4 bounds it, got ${n}`);
    } finally {
      if (saved === undefined) delete process.env['UV_THREADPOOL_SIZE'];
      else process.env['UV_THREADPOOL_SIZE'] = saved;
    }
  });
});

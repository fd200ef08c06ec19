// The decode-ahead pipeline's reusable image arrays and its window size.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DECODE_AHEAD_BYTES, decodeWindow, ImageBuffers } from '../../src/record/image-buffers.js';

test('ImageBuffers hands back given arrays before allocating new ones', () => {
  const buffers = new ImageBuffers(12);
  const a = buffers.take();
  const b = buffers.take();
  assert.notEqual(a, b);
  assert.equal(a.length, 12);
  buffers.give(a);
  assert.equal(buffers.take(), a);
  // Nothing free: a new array.
  const c = buffers.take();
  assert.ok(c !== a && c !== b);
});

test('ImageBuffers refuses arrays of another length', () => {
  const buffers = new ImageBuffers(12);
  const foreign = new Float32Array(7);
  buffers.give(foreign);
  assert.notEqual(buffers.take(), foreign);
});

test('decodeWindow: bounded by memory, at most 8 batches, never below a batch plus the decoders', () => {
  const at224 = 3 * 224 * 224;
  // 64 MiB of 224×224 RGB float tensors is 111 images.
  assert.equal(decodeWindow(at224, 16, 3), Math.floor(DECODE_AHEAD_BYTES / (at224 * 4)));
  assert.equal(decodeWindow(at224, 16, 3), 111);
  // Small images: 8 batches.
  assert.equal(decodeWindow(3 * 32 * 32, 16, 3), 128);
  // Huge images: a batch plus one per decoder, whatever the memory bound says.
  assert.equal(decodeWindow(3 * 2048 * 2048, 16, 3), 19);
});

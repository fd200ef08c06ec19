import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pixelsToTensor } from '../../src/images/index.js';

/** Asserts element-wise closeness (the multiply-add form differs from the formula by ~1 ulp). */
function assertClose(actual: Float32Array, expected: readonly number[]): void {
  assert.equal(actual.length, expected.length);
  expected.forEach((e, i) => assert.ok(Math.abs((actual[i] as number) - e) < 1e-5, `index ${i}: ${actual[i]} vs ${e}`));
}

describe('pixelsToTensor', () => {
  // Two RGB pixels: (0, 51, 255) and (255, 102, 0); mean/std chosen so results are exact by hand.
  const pixels = new Uint8Array([0, 51, 255, 255, 102, 0]);
  const stats = { channels: 3 as const, mean: [0.5, 0.2, 0], std: [0.5, 0.2, 2] };

  it('writes NCHW planes', () => {
    // R: (0-0.5)/0.5=-1, (1-0.5)/0.5=1; G: (0.2-0.2)/0.2=0, (0.4-0.2)/0.2=1; B: 1/2=0.5, 0.
    assertClose(pixelsToTensor(pixels, { ...stats, layout: 'NCHW' }), [-1, 1, 0, 1, 0.5, 0]);
  });

  it('writes NHWC interleaved', () => {
    assertClose(pixelsToTensor(pixels, { ...stats, layout: 'NHWC' }), [-1, 0, 0.5, 1, 1, 0]);
  });

  it('handles one channel', () => {
    const grey = new Uint8Array([0, 51, 255]);
    assertClose(pixelsToTensor(grey, { channels: 1, mean: [0.5], std: [0.5], layout: 'NCHW' }), [-1, -0.6, 1]);
  });

  it('fills a caller-provided array and refuses one of the wrong length', () => {
    const batch = new Float32Array(12).fill(9);
    const slot = batch.subarray(6, 12);
    const out = pixelsToTensor(pixels, { ...stats, layout: 'NCHW' }, slot);
    assert.equal(out, slot);
    assertClose(batch, [9, 9, 9, 9, 9, 9, -1, 1, 0, 1, 0.5, 0]);
    assert.throws(() => pixelsToTensor(pixels, { ...stats, layout: 'NCHW' }, new Float32Array(5)), RangeError);
  });
});

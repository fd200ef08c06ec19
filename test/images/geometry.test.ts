import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planResize } from '../../src/images/index.js';

const square = (size: number, cropFraction: number) => ({ width: size, height: size, resize: 'shorter-crop' as const, cropFraction });

describe('planResize', () => {
  it('crops 224 out of a 256 square without resampling (the ImageNet transform)', () => {
    assert.deepEqual(planResize(256, 256, square(224, 0.875)), {
      resizeWidth: 256, resizeHeight: 256, resize: false, crop: { left: 16, top: 16, width: 224, height: 224 },
    });
  });

  it('scales the shorter side to round(size/cropFraction) and floors the longer one', () => {
    // 500x375 landscape: shorter side 375 -> 256, longer floor(500*256/375) = floor(341.33) = 341.
    assert.deepEqual(planResize(500, 375, square(224, 0.875)), {
      resizeWidth: 341, resizeHeight: 256, resize: true, crop: { left: 58, top: 16, width: 224, height: 224 },
    });
    // Portrait, odd margin: 300x451 with size 100, fraction 1: 100x150, leftover 50 -> top 25.
    assert.deepEqual(planResize(300, 451, square(100, 1)), {
      resizeWidth: 100, resizeHeight: 150, resize: true, crop: { left: 0, top: 25, width: 100, height: 100 },
    });
    // An odd leftover pixel goes to the bottom/right margin.
    assert.deepEqual(planResize(10, 13, square(10, 1))?.crop, { left: 0, top: 1, width: 10, height: 10 });
  });

  it('needs no crop when the aspect ratio already matches and cropFraction is 1', () => {
    assert.deepEqual(planResize(640, 480, { width: 320, height: 240, resize: 'shorter-crop', cropFraction: 1 }), {
      resizeWidth: 320, resizeHeight: 240, resize: true,
    });
    assert.deepEqual(planResize(32, 32, square(32, 1)), { resizeWidth: 32, resizeHeight: 32, resize: false });
  });

  it('covers a non-square input box on both axes before cropping its centre', () => {
    // 200 wide x 100 high from a 400x400 square: width binds (200/400 > 100/400), so 200x200, keep rows 50..149.
    assert.deepEqual(planResize(400, 400, { width: 200, height: 100, resize: 'shorter-crop', cropFraction: 1 }), {
      resizeWidth: 200, resizeHeight: 200, resize: true, crop: { left: 0, top: 50, width: 200, height: 100 },
    });
    // With cropFraction 0.5 the cover box is 400x200; a 1000x200 panorama: height binds -> 1000x200.
    assert.deepEqual(planResize(1000, 200, { width: 200, height: 100, resize: 'shorter-crop', cropFraction: 0.5 }), {
      resizeWidth: 1000, resizeHeight: 200, resize: false, crop: { left: 400, top: 50, width: 200, height: 100 },
    });
  });

  it('stretches to exactly H x W, resampling only when the size differs', () => {
    const stretch = { width: 30, height: 20, resize: 'stretch' as const, cropFraction: 0.875 };
    assert.deepEqual(planResize(1000, 10, stretch), { resizeWidth: 30, resizeHeight: 20, resize: true });
    assert.deepEqual(planResize(30, 20, stretch), { resizeWidth: 30, resizeHeight: 20, resize: false });
  });
});

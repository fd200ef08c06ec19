/**
 * The image parametrisation and the transformations carry gradients back by their exact
 * transposes: each linear map passes the dot-product test ⟨T x, y⟩ = ⟨x, Tᵀ y⟩, the full chain
 * (with its sigmoid) matches central finite differences, and the FFT matches a direct DFT.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from '../../src/util/random.js';
import { Adam } from '../../src/visualize/adam.js';
import { fourier2d } from '../../src/visualize/fft.js';
import { adjoint, colourMatrix, createSpectral, mixColours, spatial, spatialAdjoint, synthesise } from '../../src/visualize/spectral.js';
import { FILL, applyWarp, drawWarp, warpAdjoint, warpTaps } from '../../src/visualize/transform.js';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};
const randomArray = (random: Random, n: number) => Float64Array.from({ length: n }, () => random.normal());
const close = (a: number, b: number, rel: number, what: string) => assert.ok(Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b)), `${what}: ${a} vs ${b}`);

for (const [h, w] of [[8, 8], [16, 8], [6, 10]] as const) {
  test(`fourier2d equals the direct + sign DFT on ${h}×${w}`, () => {
    const random = new Random(1);
    const re = randomArray(random, h * w);
    const im = randomArray(random, h * w);
    const [fre, fim] = [re.slice(), im.slice()];
    fourier2d(fre, fim, h, w);
    for (let ky = 0; ky < h; ky++) {
      for (let kx = 0; kx < w; kx++) {
        let sr = 0;
        let si = 0;
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            const t = 2 * Math.PI * ((ky * y) / h + (kx * x) / w);
            sr += re[y * w + x]! * Math.cos(t) - im[y * w + x]! * Math.sin(t);
            si += re[y * w + x]! * Math.sin(t) + im[y * w + x]! * Math.cos(t);
          }
        }
        close(fre[ky * w + kx]!, sr, 1e-9, `re[${ky},${kx}]`);
        close(fim[ky * w + kx]!, si, 1e-9, `im[${ky},${kx}]`);
      }
    }
  });

  test(`spectral synthesis and its adjoint pass the dot-product test on ${h}×${w}`, () => {
    const random = new Random(2);
    const sp = createSpectral(h, w, 3);
    const p = randomArray(random, sp.size);
    const g = randomArray(random, 3 * h * w);
    close(dot(spatial(sp, p), g), dot(p, spatialAdjoint(sp, g)), 1e-10, '⟨Fp, g⟩ vs ⟨p, Fᵀg⟩');
  });
}

test('colour mixing and its transpose pass the dot-product test; the matrix has unit largest column', () => {
  const random = new Random(3);
  const sp = createSpectral(4, 4, 3);
  const x = randomArray(random, 48);
  const y = randomArray(random, 48);
  close(dot(mixColours(sp, x, new Float64Array(48)), y), dot(x, mixColours(sp, y, new Float64Array(48), true)), 1e-12, 'colour');
  const m = colourMatrix(3);
  const norms = [0, 1, 2].map((j) => Math.hypot(m[j]!, m[3 + j]!, m[6 + j]!));
  close(Math.max(...norms), 1, 1e-12, 'largest column norm');
});

test('the warp (jitter, scale, rotation) and its adjoint pass the dot-product test', () => {
  const random = new Random(4);
  for (let k = 0; k < 5; k++) {
    const taps = warpTaps(12, 10, drawWarp(random, { jitter: 3, scale: [0.8, 1.2], rotate: 30 }));
    const x = randomArray(random, 3 * 120);
    const y = randomArray(random, 3 * 120);
    // The warp is affine: its linear part is the warp with a zero fill.
    close(dot(applyWarp(taps, x, 3, 0), y), dot(x, warpAdjoint(taps, y, 3)), 1e-12, `warp ${k}`);
  }
});

test('the identity warp returns the image; pixels sampled from outside take the grey fill', () => {
  const random = new Random(5);
  const x = randomArray(random, 3 * 64);
  const same = applyWarp(warpTaps(8, 8, { dy: 0, dx: 0, scale: 1, angle: 0 }), x, 3);
  same.forEach((v, i) => close(v, x[i]!, 1e-12, `pixel ${i}`));
  const shifted = applyWarp(warpTaps(8, 8, { dy: 0, dx: 2, scale: 1, angle: 0 }), x, 3);
  assert.equal(shifted[0], FILL);
  close(shifted[2]!, x[0]!, 1e-12, 'shifted pixel');
});

test('the full chain params → sigmoid(colour(Fourier)) has the gradient of finite differences', () => {
  const random = new Random(6);
  const sp = createSpectral(8, 8, 3);
  const p = randomArray(random, sp.size).map((v) => v * 0.3);
  const g = randomArray(random, 3 * 64);
  const f = (q: Float64Array) => dot(synthesise(sp, q), g);
  const grad = adjoint(sp, synthesise(sp, p), g);
  for (const i of [0, 5, 64, 100, 200, 300, sp.size - 1]) {
    const e = 1e-5;
    const up = p.slice();
    const down = p.slice();
    up[i]! += e;
    down[i]! -= e;
    close(grad[i]!, (f(up) - f(down)) / (2 * e), 1e-6, `param ${i}`);
  }
});

test('Adam ascends: it climbs a concave quadratic to its top', () => {
  const target = Float64Array.of(1, -2, 3);
  const x = new Float64Array(3);
  const adam = new Adam(3, 0.1);
  for (let k = 0; k < 500; k++) adam.ascend(x, target.map((t, i) => t - x[i]!));
  x.forEach((v, i) => close(v, target[i]!, 1e-2, `x[${i}]`));
});

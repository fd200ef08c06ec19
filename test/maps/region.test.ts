// Region of a neuron on an image: hand-checked boxes for a hot spot, the largest of two blobs,
// squaring and clamping at the border, a ViT token map with a class token, and the default
// upsample + blur pipeline at 224 px against an independent 1-D computation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapRegion, neuronMap, neuronRegion, upsampleBilinear, type NeuronMap } from '../../src/maps/region.js';
import { NeurolensError } from '../../src/errors.js';
import { Random } from '../../src/util/random.js';

/** A height×width map of zeros with `value` on the given [row, col] cells. */
function mapWith(height: number, width: number, cells: [number, number][], value = 1): NeuronMap {
  const data = new Float32Array(height * width);
  for (const [y, x] of cells) data[y * width + x] = value;
  return { data, height, width };
}

function block(y0: number, x0: number, h: number, w: number): [number, number][] {
  const cells: [number, number][] = [];
  for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) cells.push([y, x]);
  return cells;
}

test('a single hot spot (same size, no blur): its bounding box, squared around the centre', () => {
  // Rows 4–6 (3 tall), columns 10–14 (5 wide) → squared to 5×5: rows 3–7.
  const map = mapWith(20, 20, block(4, 10, 3, 5));
  assert.deepEqual(mapRegion(map, [20, 20], { sigma: 0 }), { x: 10, y: 3, width: 5, height: 5 });
  // An odd surplus (2 tall → 5: surplus 3) puts the extra row after the box: rows 3–7 for rows 4–5.
  assert.deepEqual(mapRegion(mapWith(20, 20, block(4, 10, 2, 5)), [20, 20], { sigma: 0 }), { x: 10, y: 3, width: 5, height: 5 });
});

test('two blobs: the largest 8-connected component wins', () => {
  // A 2×2 blob with the highest values and a diagonal staircase of 6 cells (8-connected only).
  const map = mapWith(20, 20, block(1, 1, 2, 2), 1);
  for (const [y, x] of [[10, 10], [11, 11], [12, 12], [13, 13], [14, 14], [15, 15]] as [number, number][]) map.data[y * 20 + x] = 0.9;
  assert.deepEqual(mapRegion(map, [20, 20], { sigma: 0 }), { x: 10, y: 10, width: 6, height: 6 });
  // The same with a 4-connected-only view would split the staircase into six singletons; the 2×2 blob would win.
});

test('squaring is clamped at the image border', () => {
  // 2 wide × 6 tall at the left edge: squared to 6 wide, centred at x = 1 → starts at −2, shifted to 0.
  assert.deepEqual(mapRegion(mapWith(20, 20, block(5, 0, 6, 2)), [20, 20], { sigma: 0 }), { x: 0, y: 5, width: 6, height: 6 });
  // 1 tall × 7 wide at the bottom-right corner: squared to 7 tall, shifted up to end at row 19.
  assert.deepEqual(mapRegion(mapWith(20, 20, block(19, 13, 1, 7)), [20, 20], { sigma: 0 }), { x: 13, y: 13, width: 7, height: 7 });
  // A component wider than the image is tall: the side is cut to the image.
  assert.deepEqual(mapRegion(mapWith(4, 20, block(1, 2, 1, 10)), [4, 20], { sigma: 0 }), { x: 2, y: 0, width: 10, height: 4 });
});

test('ViT tokens: the class token is dropped and the patches placed on the 4×4 grid', () => {
  // [1, 17, 3]: class token + 16 patches; channel 1 is 100 on the class token (ignored) and 5 on
  // patch (row 2, col 1) = token 1 + 2·4 + 1 = 10.
  const D = 3;
  const data = new Float32Array(17 * D);
  data[0 * D + 1] = 100;
  data[10 * D + 1] = 5;
  data[10 * D + 0] = 7; // another channel: must not leak in
  const activation = { data, dims: [1, 17, D] };
  const layer = { id: 'blocks.0.mlp.act', kind: 'tokens' as const, tokens: { count: 17, prefix: 1, grid: [4, 4] as [number, number] } };
  const map = neuronMap(activation, 1, layer);
  assert.deepEqual([map.height, map.width], [4, 4]);
  assert.deepEqual([...map.data], [0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0]);
  // Upsampled ×4 (align_corners=false): column 1's weight is 1 − |(x + 0.5)/4 − 0.5 − 1|, i.e.
  // x = 3…8 → 0.375, 0.625, 0.875, 0.875, 0.625, 0.375. Normalised by the peak 0.875², only
  // x ∈ {5, 6} × y ∈ {9, 10} reach 0.8 (the next ring is 0.625/0.875 ≈ 0.71).
  assert.deepEqual(neuronRegion(activation, 1, layer, [16, 16], { sigma: 0 }), { x: 5, y: 9, width: 2, height: 2 });
  // Without a known grid the tokens cannot be placed.
  assert.throws(() => neuronMap(activation, 1, { ...layer, tokens: { count: 17, prefix: 0, grid: null } }),
    (e: unknown) => e instanceof NeurolensError && /patch grid is unknown/.test(e.message));
});

test('feature maps: channel c of sample s; bilinear upsampling matches torch align_corners=false', () => {
  // [2, 2, 2, 2]; sample 1 channel 1 = [[0, 1], [2, 3]].
  const data = Float32Array.from({ length: 16 }, (_, i) => (i >= 12 ? i - 12 : 0));
  const map = neuronMap({ data, dims: [2, 2, 2, 2] }, 1, { id: 'x', kind: 'feature' }, 1);
  assert.deepEqual([...map.data], [0, 1, 2, 3]);
  // torch: F.interpolate(torch.tensor([[[[0., 1.], [2., 3.]]]]), size=(4, 4), mode='bilinear', align_corners=False)
  const expected = [0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3];
  assert.deepEqual([...upsampleBilinear(map, 4, 4)], expected);
  assert.throws(() => neuronMap({ data: new Float32Array(4), dims: [1, 4] }, 0, { id: 'pooled', kind: 'vector' }), /no spatial map/);
});

test('default pipeline at 224 px: a hot cell of a 7×7 map gives a square box centred on it', () => {
  const box = mapRegion(mapWith(7, 7, [[2, 4]]), [224, 224]);
  // Cell (2, 4) covers rows 64–95, columns 128–159: centre (80, 144) in pixel-edge coordinates.
  assert.equal(box.width, box.height);
  assert.equal(box.x + box.width / 2, 144);
  assert.equal(box.y + box.height / 2, 80);
  // Independent 1-D check: the map is a product of two tents, blurred separably, so the box's
  // width is the run of columns where the blurred tent (σ = 8) reaches 0.8 of its peak.
  const tent = Array.from({ length: 224 }, (_, x) => Math.max(0, 1 - Math.abs((x + 0.5) / 32 - 0.5 - 4)));
  const kernel = Array.from({ length: 49 }, (_, k) => Math.exp(-((k - 24) ** 2) / 128));
  const blurred = tent.map((_, x) => kernel.reduce((s, w, k) => s + w * (tent[x + k - 24] ?? 0), 0));
  const peak = Math.max(...blurred);
  assert.equal(box.width, blurred.filter((v) => v >= 0.8 * peak).length);
  assert.ok(box.width > 8 && box.width < 24, `width ${box.width}`);
  // A constant map marks nothing in particular: the whole image.
  assert.deepEqual(mapRegion({ data: new Float32Array(49).fill(2), height: 7, width: 7 }, [224, 224]), { x: 0, y: 0, width: 224, height: 224 });
});

test('the operator path (small maps) and the direct path give the same boxes', () => {
  const rng = new Random(11);
  let identical = 0;
  const trials = 400;
  for (let trial = 0; trial < trials; trial++) {
    const h = [2, 3, 4, 7, 8, 14][trial % 6]!;
    const w = [2, 4, 5, 7, 8, 14][(trial >> 1) % 6]!;
    const data = Float32Array.from({ length: h * w }, () => Math.max(0, rng.normal()));
    const size: [number, number] = trial % 2 ? [64, 64] : [56, 72];
    const direct = mapRegion({ data, height: h, width: w }, size, { path: 'direct' });
    const operator = mapRegion({ data, height: h, width: w }, size, { path: 'operator' });
    if (JSON.stringify(direct) === JSON.stringify(operator)) identical++;
  }
  // Only float rounding differs; a pixel sitting exactly at the 0.8 threshold could flip.
  assert.ok(identical >= trials - 2, `${identical}/${trials} identical`);
});

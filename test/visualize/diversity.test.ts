/**
 * The diversity term's maths (src/visualize/diversity.ts): the Gram of a layer row, the mean
 * pairwise Gram cosine, and its analytic gradient against central finite differences in float64;
 * the row layout helpers are each other's transpose for channels-first, channels-last and tokens.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addToRow, diversityLoss, gram, rowMatrix, type LayerMatrix } from '../../src/visualize/diversity.js';
import { Random } from '../../src/util/random.js';

function randomMatrix(random: Random, channels: number, positions: number): LayerMatrix {
  return { channels, positions, data: Float64Array.from(random.normalArray(channels * positions, 1)) };
}

test('the Gram is A Aᵀ / P and the loss of identical or scaled copies is 1', () => {
  const a: LayerMatrix = { channels: 2, positions: 3, data: Float64Array.from([1, 2, 3, 0, -1, 4]) };
  assert.deepEqual([...gram(a)], [14 / 3, 10 / 3, 10 / 3, 17 / 3]);
  const scaled: LayerMatrix = { ...a, data: a.data.map((v) => 3 * v) };
  assert.ok(Math.abs(diversityLoss([a, scaled]).loss - 1) < 1e-12);
  // Disjoint channels: orthogonal Grams.
  const b: LayerMatrix = { channels: 2, positions: 1, data: Float64Array.from([1, 0]) };
  const c: LayerMatrix = { channels: 2, positions: 1, data: Float64Array.from([0, 1]) };
  assert.equal(diversityLoss([b, c]).loss, 0);
  assert.equal(diversityLoss([a]).loss, 0);
});

test('the gradient matches central finite differences of the loss (float64, 1e-6 relative)', () => {
  const random = new Random(11);
  const group = [randomMatrix(random, 4, 5), randomMatrix(random, 4, 5), randomMatrix(random, 4, 5)];
  const { grads } = diversityLoss(group);
  const h = 1e-5;
  let worst = 0;
  for (let m = 0; m < group.length; m++) {
    for (let e = 0; e < group[m]!.data.length; e++) {
      const at = (delta: number) => {
        const moved = group.map((g, i) => (i === m ? { ...g, data: g.data.map((v, j) => (j === e ? v + delta : v)) } : g));
        return diversityLoss(moved).loss;
      };
      const numeric = (at(h) - at(-h)) / (2 * h);
      const analytic = grads[m]!.data[e]!;
      worst = Math.max(worst, Math.abs(numeric - analytic) / Math.max(1e-3, Math.abs(numeric)));
    }
  }
  assert.ok(worst < 1e-6, `worst relative error ${worst}`);
  assert.ok(grads.some((g) => g.data.some((v) => Math.abs(v) > 1e-3)), 'the gradient is not all zero');
});

test('a silent member has no gradient and counts as cosine 0', () => {
  const random = new Random(3);
  const silent: LayerMatrix = { channels: 3, positions: 2, data: new Float64Array(6) };
  const { loss, grads } = diversityLoss([randomMatrix(random, 3, 2), silent]);
  assert.equal(loss, 0);
  assert.ok(grads[1]!.data.every((v) => v === 0));
});

test('rowMatrix and addToRow read and write the same layout (NCHW, NHWC, tokens)', () => {
  const cases: [number[], string | undefined][] = [[[2, 3, 2, 2], 'NCHW'], [[2, 2, 2, 3], 'NHWC'], [[2, 4, 3], undefined], [[2, 3], undefined]];
  for (const [dims, layout] of cases) {
    const size = dims.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: size }, (_, i) => i);
    const m = rowMatrix(data, dims, layout, 1);
    assert.equal(m.channels, 3, `${dims}`);
    const back = new Float32Array(size);
    addToRow(back, dims, layout, 1, m, 1);
    assert.deepEqual([...back.subarray(size / 2)], [...data.subarray(size / 2)], `${dims} ${layout}`);
    assert.ok(back.subarray(0, size / 2).every((v) => v === 0));
  }
});

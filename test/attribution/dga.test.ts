// DGA on the quadrant model, where every input gradient is known: a bright pixel's gradient is
// 1/256 per channel while it is on the path and 0 once masked, dark pixels' is 0. So a pixel's map
// value is 3/256 × (the share of the steps it was on the path) — the masks' schedule by hand.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openAttributor, type Attributor } from '../../src/attribution/index.js';
import { REGION, regionWorkspace } from '../fixtures/region-model.js';

const { size, quadrant } = REGION;
const inQuadrant = (p: number) => Math.floor(p / size) < quadrant && p % size < quadrant;
let attributor: Attributor;
let image: Float32Array;

before(async () => {
  const ws = await regionWorkspace();
  attributor = await openAttributor(ws.model, { threads: 1 });
  image = await attributor.loadImage(join(ws.images, 'a.png'));
});
after(() => attributor.close());

test('defaults: 50 steps, top-q 5 %; peaks in the bright quadrant, 0 outside; one gradient pass per step', async () => {
  const result = await attributor.attribute(image, 'dga', { kind: 'pred' });
  assert.deepEqual(result.options, { steps: 50, topQ: 5 });
  assert.equal(result.passes, 1 + 50);
  let best = 0;
  result.map.data.forEach((v, p) => {
    if (v > result.map.data[best]!) best = p;
    if (!inQuadrant(p)) assert.equal(v, 0, `pixel ${p}`);
  });
  assert.ok(inQuadrant(best) && result.map.data[best]! > 0);
});

test('top-q 0: the weak pixels (dark, local attribution 0) go first, the bright ones stay all 4 steps: 3/256 each', async () => {
  const result = await attributor.attribute(image, 'dga', { kind: 'pred' }, { steps: 4, topQ: 0 });
  result.map.data.forEach((v, p) => assert.ok(Math.abs(v - (inQuadrant(p) ? 3 / 256 : 0)) < 1e-7, `pixel ${p}: ${v}`));
});

test('top-q 10 %: the 25 strongest present pixels are held out one step at a time, by hand', async () => {
  // Every bright pixel scores 3/256 (ties: the higher index counts as stronger). Step 0: all in.
  // Step 1: group A (the 25 highest bright indices: rows 7, 6, 5 and row 4 col 7) held out.
  // Step 2: A is back; group B (the next 25 present: row 4 cols 0–6, rows 3, 2, row 1 cols 6–7)
  // held out. Step 3: A held out again (B was not on the path at step 2). The rest: every step.
  // Dark pixels are dropped as weak (64 after step 0, 128 after step 1, all 192 after step 2).
  const result = await attributor.attribute(image, 'dga', { kind: 'pred' }, { steps: 4, topQ: 10 });
  const row = (p: number) => Math.floor(p / size);
  const col = (p: number) => p % size;
  const groupA = (p: number) => row(p) >= 5 || (row(p) === 4 && col(p) === 7);
  const groupB = (p: number) => !groupA(p) && (row(p) >= 2 || (row(p) === 1 && col(p) >= 6));
  result.map.data.forEach((v, p) => {
    const steps = !inQuadrant(p) ? 0 : groupA(p) ? 2 : groupB(p) ? 3 : 4;
    assert.ok(Math.abs(v - (3 * steps) / (256 * 4)) < 1e-7, `pixel ${p} (${row(p)}, ${col(p)}): ${v} vs ${steps} steps`);
  });
  await assert.rejects(attributor.attribute(image, 'dga', { kind: 'pred' }, { topQ: 100 }), /--top-q must be a number in \[0, 100\), got 100/);
});

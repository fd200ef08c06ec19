import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DemoAttribution, DemoAttributionMethod } from '../../src/demo/attribution-stage.js';
import { formatSeedTable } from '../../src/demo/seed-table.js';
import { matchSnapshot } from '../helpers/snapshot.js';

const row = (method: string, lerf: number, morf: number, randomMorf: number, smoothRandomMorf?: number): DemoAttributionMethod => ({
  method,
  lerf,
  morf,
  randomMorf,
  ...(smoothRandomMorf === undefined ? {} : { smoothRandomMorf }),
  insertion: 0,
  deletion: 0,
  abpc: lerf - morf,
  secondsPerImage: 0,
});

function stage(random: number, rows: DemoAttributionMethod[]): DemoAttribution {
  return { dir: '', images: 16, eval: '', methods: [row('cam', 0.4, 0.44, random), ...rows] };
}

test('the seed table: LeRF and MoRF per gradient method and model, the random map, ✗ where MoRF is not below random', () => {
  const cnn = stage(0.301, [row('grad-x-input', 0.505, 0.212, 0.301, 0.289), row('guided-backprop', 0.6, 0.279, 0.301), row('integrated-gradients', 0.56, 0.208, 0.301), row('fullgrad', 0.542, 0.516, 0.301, 0.541), row('guided-ig', 0.655, 0.23, 0.301), row('dga', 0.564, 0.195, 0.301)]);
  // The ViT run lacks two methods: their cells say '-'.
  const vit = stage(0.502, [row('grad-x-input', 0.636, 0.271, 0.502), row('integrated-gradients', 0.743, 0.284, 0.502), row('fullgrad', 0.672, 0.502, 0.502), row('dga', 0.601, 0.341, 0.502)]);
  const lines = formatSeedTable([{ name: 'emoji-resnet', attribution: cnn }, { name: 'emoji-vit', attribution: vit }, { name: 'no-stage' }]);
  matchSnapshot(import.meta.dirname, 'seed-table', lines.join('\n') + '\n');
  // Exactly the rows whose MoRF is not below their model's random map are marked (equal counts as not below).
  assert.deepEqual(lines.slice(1).filter((l) => l.includes('✗')).map((l) => l.slice(0, 22).trim()), ['FullGrad']);
  assert.equal((lines.find((l) => l.startsWith('FullGrad'))!.match(/✗/g) ?? []).length, 2);
  // The smooth-matched random MoRF sits beside MoRF where the stage has it, '-' where not.
  assert.match(lines.find((l) => l.startsWith('FullGrad'))!, /0\.516 ✗    0\.541 /);
  assert.match(lines.find((l) => l.startsWith('Grad×Input'))!, /0\.212      0\.289 .* 0\.271 {10}-$/);
  assert.deepEqual(formatSeedTable([{ name: 'x' }]), []);
});

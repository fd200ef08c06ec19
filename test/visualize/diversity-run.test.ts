/**
 * The diversity term end to end on a tiny CNN (test/fixtures/tiny-models.ts): with --diversity 3
 * a neuron's three images end with clearly less alike Grams than the same seeds without the term,
 * every image is written and checked, and without the term copy 0 is the very image a run without
 * copies writes.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { buildProgram } from '../../src/cli/program.js';
import { record } from '../../src/record/recorder.js';
import { visualize } from '../../src/visualize/index.js';
import type { VisualizeLayerFile } from '../../src/visualize/types.js';
import { tinyPlainCnn } from '../fixtures/tiny-models.js';
import { makeWorkspace } from '../record/helpers.js';
import { runInProcess } from '../helpers/cli.js';
import { assertFormat } from '../helpers/schema.js';

let run: string;
let model: string;
const FAST = { layers: ['features.3'], neurons: [0, 1], steps: 32, threads: 1, diversity: 3 } as const;

before(async () => {
  const ws = await makeWorkspace(tinyPlainCnn(), 6, { broken: false });
  run = join(ws.dir, 'run');
  model = ws.model;
  await record({ model, images: ws.images, out: run, layers: 'default', threads: 1 });
});

const readFile = () => JSON.parse(readFileSync(join(run, 'visualize', 'features.3', 'visualize.json'), 'utf8')) as VisualizeLayerFile;

test('--diversity 3: the images of a neuron are less alike with the term than without (same seeds)', async () => {
  await visualize({ model, run, ...FAST, diversityWeight: 0 });
  const without = readFile();
  await visualize({ model, run, ...FAST, diversityWeight: 30 });
  const withTerm = readFile();
  assertFormat('neurolens-visualize', withTerm);
  assert.equal(withTerm.settings.diversity, 3);
  assert.equal(withTerm.settings.diversityWeight, 30);
  let drop = 0;
  for (const [i, n] of withTerm.neurons.entries()) {
    const before = without.neurons[i]!.diversity!.gramCosine;
    const after = n.diversity!.gramCosine;
    assert.ok(before > 0.99, `neuron ${n.neuron}: without the term the copies converge (${before})`);
    assert.ok(after < before - 0.1, `neuron ${n.neuron}: Gram cosine ${after} with the term vs ${before} without`);
    drop += (before - after) / withTerm.neurons.length;
    assert.equal(n.image, join('visualize', 'features.3', `${n.neuron}.png`));
    assert.deepEqual(n.diversity!.images.map((d) => d.image), [1, 2].map((k) => join('visualize', 'features.3', `${n.neuron}.${k}.png`)));
    for (const d of n.diversity!.images) {
      assert.ok(existsSync(join(run, d.image)));
      assert.equal(d.pass, d.activation >= n.best.activation);
    }
  }
  assert.ok(drop > 0.2, `mean drop of the Gram cosine ${drop}`);
});

test('without the term, copy 0 is byte-identical to the image of a run without copies', async () => {
  await visualize({ model, run, ...FAST, diversityWeight: 0, seed: 5 });
  const copies = readFileSync(join(run, 'visualize', 'features.3', '0.png'));
  await visualize({ model, run, ...FAST, diversity: 1, seed: 5 });
  assert.deepEqual(readFileSync(join(run, 'visualize', 'features.3', '0.png')), copies);
  const single = readFile();
  assert.equal(single.neurons[0]!.diversity, undefined);
  assert.equal(single.settings.diversity, undefined);
});

test('CLI: --diversity writes every image and reports how alike they are', async () => {
  const out = await runInProcess(buildProgram(), ['visualize', '--model', model, '--run', run, '--layers', 'features.3', '--neurons', '1', '--steps', '8', '--threads', '1', '--diversity', '2']);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /^features\.3: 2 images per neuron, mean pairwise Gram cosine [01]\.\d{3} \(1 = alike\); [01] of 1 further image\(s\) pass$/m);
  assert.match(out.stdout, /visualize\/features\.3\/1\.1\.png/);
  assert.equal(readFile().settings.diversityWeight, 3);
});

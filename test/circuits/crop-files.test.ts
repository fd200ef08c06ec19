// The circuits' node crops as run files: PNG bytes as the report embeds them, an index in layer
// then channel order, later commands merging into it, and a different crop size starting over.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { CROPS_INDEX, writeCropFiles } from '../../src/circuits/crop-files.js';
import type { CircuitCropsFile } from '../../src/circuits/formats.js';
import type { NeuronCrop } from '../../src/circuits/neuron-crops.js';
import { assertFormat } from '../helpers/schema.js';

const region = { x: 1, y: 2, width: 3, height: 3 };
const uri = async (r: number) => `data:image/png;base64,${(await sharp({ create: { width: 4, height: 4, channels: 3, background: { r, g: 0, b: 0 } } }).png().toBuffer()).toString('base64')}`;
const crop = async (index: number, r?: number): Promise<NeuronCrop> => ({ index, path: `img/${index}.png`, act: index / 2, region, ...(r === undefined ? {} : { dataUri: await uri(r) }) });
const index = (run: string) => JSON.parse(readFileSync(join(run, CROPS_INDEX), 'utf8')) as CircuitCropsFile;

test('writes each crop as a PNG, lists them by layer order then channel, and merges later commands', async () => {
  const run = mkdtempSync(join(tmpdir(), 'neurolens-crops-'));
  const layers = ['b', 'a'];
  const first = new Map([
    ['a#2', [await crop(4, 10), await crop(7)]],
    ['b#9', [await crop(1, 20)]],
  ]);
  const written = await writeCropFiles(run, [{ layer: 'a', channel: 2 }, { layer: 'b', channel: 9 }, { layer: 'a', channel: 2 }], first, 4, layers);
  assert.deepEqual(written, { index: join(run, CROPS_INDEX), pngs: 2 });
  const doc = index(run);
  assertFormat('neurolens-circuit-crops', doc);
  // The run's layer order (b before a), not the alphabet.
  assert.deepEqual(doc.neurons.map((n) => `${n.layer}#${n.channel}`), ['b#9', 'a#2']);
  assert.deepEqual(doc.neurons[1]!.images, [
    { index: 4, path: 'img/4.png', act: 2, region, file: 'circuits/crops/a/2.0.png' },
    { index: 7, path: 'img/7.png', act: 3.5, region, file: null },
  ]);
  // The PNG is the very picture of the data URI.
  assert.equal(`data:image/png;base64,${readFileSync(join(run, 'circuits/crops/a/2.0.png')).toString('base64')}`, first.get('a#2')![0]!.dataUri);

  // A later command on another query: its neurons join, earlier ones stay, a repeated one is replaced.
  await writeCropFiles(run, [{ layer: 'a', channel: 0 }, { layer: 'b', channel: 9 }], new Map([['a#0', [await crop(3, 30)]], ['b#9', [await crop(5, 40)]]]), 4, layers);
  assert.deepEqual(index(run).neurons.map((n) => `${n.layer}#${n.channel}:${n.images.map((i) => i.index).join(',')}`), ['b#9:5', 'a#0:3', 'a#2:4,7']);

  // Crops of another size would not match the listed ones: the index starts over.
  await writeCropFiles(run, [{ layer: 'a', channel: 0 }], new Map([['a#0', [await crop(3, 30)]]]), 8, layers);
  assert.deepEqual(index(run).neurons.map((n) => `${n.layer}#${n.channel}`), ['a#0']);
  assert.equal(index(run).size, 8);
  assert.ok(existsSync(join(run, 'circuits/crops/a/0.0.png')));
});

// Exemplar sprites and boxes on a tiny recorded run: sizes, boxes equal to neuronRegion on the same
// image, resuming (a missing sprite, a journal left by an interrupted run), and byte-identical reruns.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { before, test } from 'node:test';
import sharp from 'sharp';
import { regionOrWhole } from '../../src/circuits/discover.js';
import { neuronRegion } from '../../src/maps/region.js';
import { decodeImage } from '../../src/images/index.js';
import { runNeurons, type ExemplarsFile } from '../../src/neurons/index.js';
import { loadModel } from '../../src/onnx/load.js';
import { runImages, runManifest } from '../run/helpers.js';
import { InstrumentedModel } from '../../src/runtime/instrumented.js';
import { readNpy } from '../../src/store/npy.js';
import { snapshotFiles } from '../record/helpers.js';
import { tinyRun } from './helpers.js';

const LAYERS = ['layer1.0', 'layer2.0', 'avgpool'];
const OPTIONS = { layers: LAYERS, top: 3, thumbSize: 12, batch: 5, threads: 1 };
let run: string;
let pristine: string;

before(async () => {
  const ws = await tinyRun(30);
  pristine = join(ws.dir, 'pristine');
  cpSync(ws.run, pristine, { recursive: true });
  run = ws.run;
  await runNeurons({ run, ...OPTIONS });
});

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as ExemplarsFile;

test('exemplars: one sprite per neuron, k crops of thumb-size side by side', async () => {
  const manifest = await runManifest(run);
  for (const id of LAYERS) {
    const channels = manifest.layers.find((l) => l.id === id)!.channels;
    for (let c = 0; c < channels; c++) {
      const meta = await sharp(join(run, 'neurons', 'thumbs', id, `${c}.png`)).metadata();
      assert.equal(meta.format, 'png');
      assert.equal(meta.width, 3 * 12);
      assert.equal(meta.height, 12);
    }
    const file = readJson(join(run, 'neurons', `exemplars.${id}.json`));
    assert.equal(file.neurons.length, channels);
    assert.deepEqual(file.settings, { top: 3, thumbSize: 12 });
    assert.deepEqual(file.inputSize, [16, 16]);
  }
  assert.ok(!existsSync(join(run, 'neurons', '.work', 'exemplars.layer1.0.jsonl')), 'journals are removed once a layer is written');
});

test('exemplars: images are the run top-k, activations the recorded values, boxes neuronRegion on the same image', async () => {
  const manifest = await runManifest(run);
  const images = await runImages(run);
  const { model } = await loadModel(manifest.model.path);
  const layers = LAYERS.map((id) => manifest.layers.find((l) => l.id === id)!);
  const im = await InstrumentedModel.create(model, { taps: layers.map((l) => l.tensor) }, { threads: 1 });
  const prep = manifest.preprocessing;
  try {
    for (const layer of layers) {
      const file = readJson(join(run, 'neurons', `exemplars.${layer.id}.json`));
      const topk = await readNpy(join(run, 'stats', `${layer.id}.max.topk.npy`));
      const acts = await readNpy(join(run, 'activations', `${layer.id}.max.npy`));
      const k = topk.shape[1]!;
      for (const neuron of file.neurons.filter((n) => n.channel < 3)) {
        const c = neuron.channel;
        assert.deepEqual(neuron.images, Array.from((topk.data as Int32Array).subarray(c * k, c * k + 3)));
        assert.deepEqual(neuron.activations, neuron.images.map((i) => (acts.data as Float32Array)[i * layer.channels + c]!));
        assert.deepEqual(neuron.paths, neuron.images.map((i) => images.find((r) => Number(r.index) === i)!.path));
        for (const [slot, index] of neuron.images.entries()) {
          const decoded = await decodeImage(resolve(manifest.images.root, neuron.paths[slot]!), prep);
          const { taps } = await im.run({ input: { data: decoded.data, dims: [1, 3, 16, 16] } }, { taps: [layer.tensor], outputs: false });
          const tensor = taps[layer.tensor]!;
          const expected = tensor.dims.length === 4 && tensor.dims[2]! > 1
            ? neuronRegion(tensor, c, layer, [16, 16])
            : regionOrWhole(tensor, c, layer, prep);
          assert.deepEqual(neuron.boxes[slot], expected, `${layer.id}#${c} on image ${index}`);
        }
      }
    }
  } finally {
    await im.close();
  }
  const boxes = readJson(join(run, 'neurons', 'exemplars.layer1.0.json')).neurons.flatMap((n) => n.boxes);
  assert.ok(boxes.some((b) => b!.width < 16), 'feature-map neurons get regions smaller than the input');
  // The vector layer has no map: its boxes are the whole input.
  const pooled = readJson(join(run, 'neurons', 'exemplars.avgpool.json'));
  assert.deepEqual(pooled.neurons[0]!.boxes[0], { x: 0, y: 0, width: 16, height: 16 });
});

test('exemplars: the sprite shows each image cropped to its box', async () => {
  const file = readJson(join(run, 'neurons', 'exemplars.layer1.0.json'));
  const neuron = file.neurons[1]!;
  const manifest = await runManifest(run);
  const { data } = await sharp(join(run, 'neurons', 'thumbs', 'layer1.0', '1.png')).raw().toBuffer({ resolveWithObject: true });
  // Its first crop's top-left pixel is the box's top-left pixel of the image as the model sees it.
  const { modelPixels } = await import('../../src/maps/crops.js');
  const pixels = await modelPixels(resolve(manifest.images.root, neuron.paths[0]!), manifest.preprocessing);
  const box = neuron.boxes[0]!;
  const sy = box.y + Math.floor((0.5 * box.height) / 12);
  const sx = box.x + Math.floor((0.5 * box.width) / 12);
  const at = (sy * 16 + sx) * 3;
  assert.deepEqual([...data.subarray(0, 3)], [...pixels.data.subarray(at, at + 3)]);
});

test('exemplars: a rerun computes only what is missing, with identical bytes', async () => {
  const before = snapshotFiles(join(run, 'neurons'));
  assert.equal((await runNeurons({ run, ...OPTIONS })).exemplarsComputed, 0);
  rmSync(join(run, 'neurons', 'thumbs', 'layer2.0', '5.png'));
  assert.equal((await runNeurons({ run, ...OPTIONS })).exemplarsComputed, 1);
  assert.deepEqual(snapshotFiles(join(run, 'neurons')), before);

  // An interrupted run: layer1.0's JSON not yet written, its journal holding channels 0–3.
  const file = readJson(join(run, 'neurons', 'exemplars.layer1.0.json'));
  rmSync(join(run, 'neurons', 'exemplars.layer1.0.json'));
  mkdirSync(join(run, 'neurons', '.work'), { recursive: true });
  const journal = join(run, 'neurons', '.work', 'exemplars.layer1.0.jsonl');
  writeFileSync(journal, `${JSON.stringify({ key: 'max|top=3|thumb=12', neurons: file.neurons.slice(0, 4) })}\n{"key": "max|top=3|th`);
  const resumed = await runNeurons({ run, ...OPTIONS });
  assert.equal(resumed.exemplarsComputed, 4);
  assert.deepEqual(snapshotFiles(join(run, 'neurons')), before);

  // Other settings redo everything.
  const other = await runNeurons({ run, ...OPTIONS, layers: ['layer1.0'], thumbSize: 8 });
  assert.equal(other.exemplarsComputed, 8);
  assert.equal((await sharp(join(run, 'neurons', 'thumbs', 'layer1.0', '0.png')).metadata()).width, 24);
});

test('neurons: two fresh runs give byte-identical outputs', async () => {
  const copies = ['a', 'b'].map((name) => {
    const dir = `${pristine}-${name}`;
    cpSync(pristine, dir, { recursive: true });
    return dir;
  });
  for (const dir of copies) await runNeurons({ run: dir, layers: ['layer1.0'], top: 4, thumbSize: 10, batch: 3, threads: 1 });
  const [a, b] = copies.map((dir) => snapshotFiles(join(dir, 'neurons')));
  assert.ok(a!.size > 10);
  assert.deepEqual(a, b);
});

/**
 * The nodes' reference crops as run files, so the explorer can show the pictures the HTML reports
 * embed: RUN/circuits/crops/LAYER/CHANNEL.RANK.png and RUN/circuits/crops/index.json listing them.
 * A neuron's crops depend on the run alone (its top reference images and its maps on them), not on
 * the query, so each `circuits` command merges its neurons into the index: a later command on other
 * queries keeps the earlier queries' pictures.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { layerFileStem } from '../record/layout.js';
import { writeFileAtomic } from '../store/atomic.js';
import type { CircuitCropImage, CircuitCropsFile } from './formats.js';
import { neuronKey, type NeuronCrop } from './neuron-crops.js';
import type { NeuronRef } from './types.js';

/** Run-relative folder of the crops and of their index. */
export const CROPS_DIR = 'circuits/crops';
export const CROPS_INDEX = `${CROPS_DIR}/index.json`;

/** The PNG bytes of a `data:image/png;base64,` URI. */
function pngBytes(dataUri: string): Uint8Array {
  return Buffer.from(dataUri.slice(dataUri.indexOf(',') + 1), 'base64');
}

/** The index as stored, or an empty one when absent or not an index (it is rewritten whole). */
async function readIndex(runDir: string, size: number): Promise<CircuitCropsFile> {
  const empty: CircuitCropsFile = { format: 'neurolens-circuit-crops', formatVersion: 1, size, neurons: [] };
  try {
    const doc = JSON.parse(await readFile(join(runDir, CROPS_INDEX), 'utf8')) as Partial<CircuitCropsFile>;
    // Crops of another size would sit side by side with the new ones at different scales: start over.
    return doc.format === empty.format && doc.size === size && Array.isArray(doc.neurons) ? { ...empty, neurons: doc.neurons } : empty;
  } catch {
    return empty;
  }
}

/**
 * Writes each neuron's crops (from NeuronCrops.forNeurons) and merges them into the index; returns
 * the index's path and how many PNGs were written (callers list the index, not every picture).
 * `layers` orders the index (the run's layer order), then channels ascending.
 */
export async function writeCropFiles(runDir: string, neurons: readonly NeuronRef[], crops: Map<string, NeuronCrop[]>, size: number, layers: readonly string[]): Promise<{ index: string; pngs: number }> {
  const index = await readIndex(runDir, size);
  const byKey = new Map(index.neurons.map((n) => [neuronKey(n), n]));
  let pngs = 0;
  for (const neuron of new Map(neurons.map((n) => [neuronKey(n), n])).values()) {
    const stem = layerFileStem(neuron.layer);
    await mkdir(join(runDir, CROPS_DIR, stem), { recursive: true });
    const images: CircuitCropImage[] = [];
    for (const [rank, crop] of (crops.get(neuronKey(neuron)) ?? []).entries()) {
      const file = crop.dataUri ? `${CROPS_DIR}/${stem}/${neuron.channel}.${rank}.png` : null;
      if (file) {
        await writeFileAtomic(join(runDir, file), pngBytes(crop.dataUri!));
        pngs++;
      }
      images.push({ index: crop.index, path: crop.path, act: crop.act, region: crop.region, file });
    }
    byKey.set(neuronKey(neuron), { layer: neuron.layer, channel: neuron.channel, images });
  }
  const order = (layer: string) => (layers.includes(layer) ? layers.indexOf(layer) : layers.length);
  index.neurons = [...byKey.values()].sort((a, b) => order(a.layer) - order(b.layer) || a.layer.localeCompare(b.layer) || a.channel - b.channel);
  await writeFileAtomic(join(runDir, CROPS_INDEX), `${JSON.stringify(index, null, 2)}\n`);
  return { index: join(runDir, CROPS_INDEX), pngs };
}

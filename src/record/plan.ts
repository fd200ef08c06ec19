/**
 * Planning a recording: open the model, resolve preprocessing, list the images, choose the layers,
 * and fingerprint everything that determines the run's contents, so an existing RUN can be
 * recognised as the same run (resume / no-op) or a different one (refuse, never overwrite).
 */
import { dirname, resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import { NeurolensError } from '../errors.js';
import { recordMessages } from '../messages/index.js';
import { openModel, type OpenedModel } from '../model/open.js';
import { checkBatchDim, listImages, resolvePreprocessing } from '../images/index.js';
import type { ImageEntry, Preprocessing } from '../images/types.js';
import type { LayerInfo } from '../onnx/catalogue/index.js';
import { sha256 } from '../store/hash.js';
import { stableJson } from '../store/atomic.js';
import { RunLayout } from './layout.js';
import { POOLINGS, type LayerRecord, type Pooling, type RecordOptions } from './types.js';
import { DEFAULT_BATCH, DEFAULT_CHUNK, DEFAULT_TOP_K } from './defaults.js';

export interface RunPlan {
  layout: RunLayout;
  opened: OpenedModel;
  prep: Preprocessing;
  /** The images to record, in order (after --limit). */
  entries: ImageEntry[];
  /** Images the source listed before --limit. */
  listed: number;
  source: string;
  root: string;
  layers: LayerRecord[];
  poolings: Pooling[];
  outputName: string;
  topK: number;
  batch: number;
  chunkSize: number;
  /** sha256 per identity part (model, images, preprocessing, layers, poolings, topK). */
  identity: Record<string, string>;
  fingerprint: string;
}

export { DEFAULT_BATCH, DEFAULT_CHUNK, DEFAULT_TOP_K } from './defaults.js';

function toRecord(layer: LayerInfo): LayerRecord {
  const record: LayerRecord = { id: layer.id, tensor: layer.tensor, kind: layer.kind, channels: layer.channels, isDefault: layer.isDefault };
  if (layer.spatial) record.spatial = layer.spatial;
  if (layer.layout) record.layout = layer.layout;
  if (layer.tokens) record.tokens = layer.tokens;
  return record;
}

export function selectLayers(all: readonly LayerInfo[], wanted: RecordOptions['layers'], model: string): LayerRecord[] {
  if (all.length === 0) throw new NeurolensError('model', recordMessages.noLayers(model));
  if (wanted === undefined || wanted === 'default') {
    const defaults = all.filter((l) => l.isDefault);
    if (defaults.length === 0) throw new NeurolensError('model', recordMessages.noDefaultLayers(model));
    return defaults.map(toRecord);
  }
  if (wanted === 'all') return all.map(toRecord);
  const unknown = wanted.filter((w) => !all.some((l) => l.id === w || l.tensor === w));
  if (unknown.length > 0) throw new NeurolensError('usage', recordMessages.unknownLayers(unknown, model));
  // Keep the catalogue's (topological) order whatever order the user typed.
  return all.filter((l) => wanted.includes(l.id) || wanted.includes(l.tensor)).map(toRecord);
}

async function collectionRoot(source: string): Promise<string> {
  const absolute = resolve(source);
  try {
    return (await stat(absolute)).isDirectory() ? absolute : dirname(absolute);
  } catch {
    return dirname(absolute);
  }
}

export async function planRun(options: RecordOptions): Promise<RunPlan> {
  const overrides = options.preprocessing ?? {};
  const size = overrides.size;
  const inputSize: [number, number] | undefined = size === undefined ? undefined : typeof size === 'number' ? [size, size] : [size[0], size[1]];
  const opened = await openModel(options.model, { inputSize });
  const { summary } = opened;
  const output = summary.outputs[0];
  if (!output) throw new NeurolensError('model', recordMessages.outputMissing(options.model));
  const prep = resolvePreprocessing(
    { name: summary.input.name, dims: summary.input.dims, elemType: summary.input.elemType },
    opened.card,
    overrides,
    { modelPath: opened.loaded.path },
  );
  checkBatchDim(summary.input);
  const listedEntries = await listImages(options.images);
  const entries = options.limit === undefined ? listedEntries : listedEntries.slice(0, options.limit);
  const layers = selectLayers(summary.layers, options.layers, options.model);
  const poolings = POOLINGS.filter((p) => (options.poolings ?? POOLINGS).includes(p));
  const topK = options.topK ?? DEFAULT_TOP_K;
  const identity: Record<string, string> = {
    model: opened.sha256,
    images: sha256(stableJson(entries.map((e) => [e.relPath, e.bytes]))),
    preprocessing: sha256(stableJson(prep)),
    layers: sha256(stableJson(layers.map((l) => [l.id, l.tensor]))),
    poolings: sha256(stableJson(poolings)),
    'top-k': sha256(String(topK)),
  };
  return {
    layout: new RunLayout(resolve(options.out)),
    opened,
    prep,
    entries,
    listed: listedEntries.length,
    source: options.images,
    root: await collectionRoot(options.images),
    layers,
    poolings,
    outputName: output.name,
    topK,
    batch: options.batch ?? DEFAULT_BATCH,
    chunkSize: options.chunkSize ?? DEFAULT_CHUNK,
    identity,
    fingerprint: sha256(stableJson(identity)),
  };
}

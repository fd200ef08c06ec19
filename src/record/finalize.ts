/**
 * Turning journaled chunks into the run's artefacts: one matrix per layer × pooling, the model
 * outputs, the images table, skipped.jsonl, per-neuron statistics, and last the manifest. Every
 * step is deterministic and atomic, so a crash here is repaired by running finalize again.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import { NeurolensError } from '../errors.js';
import { recordMessages } from '../messages/index.js';
import { concatNpy, NpyReader, readNpy, writeNpy } from '../store/npy.js';
import { writeFileAtomic, writeJsonAtomic } from '../store/atomic.js';
import { writeParquetTable, type ParquetColumn } from '../store/parquet.js';
import { wrapFsError } from '../store/fs-errors.js';
import { computeNeuronStats, STATS_COLUMNS } from './stats.js';
import { topPredictions } from './predictions.js';
import type { ChunkImage, ChunkMeta } from './chunk.js';
import type { RunPlan } from './plan.js';
import type { RunLayout } from './layout.js';
import type { ArtifactRecord, LayerRecord, Pooling, RecordProgress, RunManifest } from './types.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };
const TOP_PREDICTIONS = 5;

async function write(path: string, job: () => Promise<unknown>): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await job();
  } catch (error) {
    throw wrapFsError(error, path);
  }
}

/**
 * Computes and writes the summaries of one layer × pooling from its activation matrix (also how
 * a damaged stats or top-k file is rebuilt); returns their manifest entries and the number of
 * non-finite activations.
 */
export async function writeNeuronStats(
  layout: RunLayout,
  topK: number,
  layer: LayerRecord,
  pooling: Pooling,
  images: number,
): Promise<{ artifacts: ArtifactRecord[]; nonFinite: number }> {
  const reader = await NpyReader.open(layout.activations(layer.id, pooling));
  try {
    const result = await computeNeuronStats((start, count) => reader.readFloat32Rows(start, count), { images, channels: layer.channels, k: topK });
    const statsPath = layout.stats(layer.id, pooling);
    const topkPath = layout.topk(layer.id, pooling);
    await write(statsPath, () => writeNpy(statsPath, result.stats, [layer.channels, STATS_COLUMNS.length]));
    await write(topkPath, () => writeNpy(topkPath, result.topk, [layer.channels, result.k]));
    return {
      nonFinite: result.nonFinite,
      artifacts: [
        { path: layout.relative(statsPath), role: 'stats', layer: layer.id, pooling, dtype: '<f4', shape: [layer.channels, STATS_COLUMNS.length], columns: [...STATS_COLUMNS] },
        { path: layout.relative(topkPath), role: 'topk', layer: layer.id, pooling, dtype: '<i4', shape: [layer.channels, result.k] },
      ],
    };
  } finally {
    await reader.close();
  }
}

/** Writes images.parquet: one row per recorded image with its top-5 predictions; returns its manifest entry. */
async function writeImagesTable(layout: RunLayout, classNames: readonly string[] | undefined, images: readonly ChunkImage[], logits: Float32Array, classes: number): Promise<ArtifactRecord> {
  const predictions = images.map((_, row) => topPredictions(logits.subarray(row * classes, (row + 1) * classes), TOP_PREDICTIONS));
  const columns: ParquetColumn[] = [
    { name: 'index', type: 'int32', data: images.map((_, row) => row) },
    { name: 'path', type: 'string', data: images.map((i) => i.path) },
    { name: 'sha256', type: 'string', data: images.map((i) => i.sha256) },
    { name: 'width', type: 'int32', data: images.map((i) => i.width) },
    { name: 'height', type: 'int32', data: images.map((i) => i.height) },
    { name: 'top5_classes', type: 'list<int32>', data: predictions.map((p) => p.classes) },
    { name: 'top5_scores', type: 'list<double>', data: predictions.map((p) => p.scores) },
  ];
  if (classNames) columns.push({ name: 'top1_label', type: 'string', data: predictions.map((p) => classNames[p.classes[0]!] ?? String(p.classes[0])) });
  await write(layout.imagesTable, () => writeParquetTable(layout.imagesTable, columns));
  return { path: layout.relative(layout.imagesTable), role: 'images', dtype: 'parquet', shape: [images.length, columns.length], columns: columns.map((c) => c.name) };
}

/**
 * Everything of the manifest that the plan fixes before any image is recorded (a shard stores it,
 * so a merge can write the manifest without opening the model again).
 */
export interface ManifestBase {
  model: RunManifest['model'];
  images: Omit<RunManifest['images'], 'count' | 'skipped'>;
  preprocessing: RunManifest['preprocessing'];
  layers: LayerRecord[];
  poolings: Pooling[];
  topK: number;
  identity: Record<string, string>;
  fingerprint: string;
}

export function manifestBase(plan: RunPlan): ManifestBase {
  const { summary, loaded, sha256, card } = plan.opened;
  return {
    model: {
      path: loaded.path,
      sha256,
      bytes: loaded.bytes.byteLength,
      input: { name: summary.input.name, dims: summary.input.dims },
      output: plan.outputName,
      numClasses: summary.numClasses,
      ...(card?.classNames ? { classNames: [...card.classNames] } : {}),
    },
    images: { source: plan.source, root: plan.root, listed: plan.listed },
    preprocessing: plan.prep,
    layers: plan.layers,
    poolings: plan.poolings,
    topK: plan.topK,
    identity: plan.identity,
    fingerprint: plan.fingerprint,
  };
}

/** What finalizing writes and where its chunks are: `chunkLayouts[c]` holds chunk c's files. */
export interface FinalizeTarget {
  layout: RunLayout;
  base: ManifestBase;
  createdAt: string;
  chunkLayouts: readonly RunLayout[];
}

export async function finalizeRun(target: FinalizeTarget, onProgress?: (progress: RecordProgress) => void): Promise<RunManifest> {
  const { layout, base, chunkLayouts } = target;
  const { layers, poolings } = base;
  const chunks = chunkLayouts.map((_, i) => i);
  const metas: ChunkMeta[] = [];
  for (const chunk of chunks) metas.push(JSON.parse(await readFile(chunkLayouts[chunk]!.chunkImages(chunk), 'utf8')) as ChunkMeta);
  const images = metas.flatMap((m) => m.images);
  const skipped = metas.flatMap((m) => m.skipped);
  const skippedText = skipped.map((s) => `${JSON.stringify({ path: s.path, reason: s.reason })}\n`).join('');
  if (images.length === 0) {
    // Written first so the message can point at the reasons.
    if (skipped.length > 0) await write(layout.skipped, () => writeFileAtomic(layout.skipped, skippedText));
    throw new NeurolensError('input', recordMessages.noImagesRecorded(base.images.source, skipped.length, skipped.length > 0 ? layout.skipped : undefined));
  }
  const withRows = chunks.filter((c) => metas[c]!.images.length > 0);
  const steps = layers.length * poolings.length * 2 + 3;
  let step = 0;
  const progress = () => onProgress?.({ phase: 'finalize', done: ++step, total: steps, skipped: skipped.length });
  const artifacts: ArtifactRecord[] = [];

  for (const layer of layers) {
    for (const pooling of poolings) {
      const path = layout.activations(layer.id, pooling);
      await write(path, () => concatNpy(withRows.map((c) => chunkLayouts[c]!.chunkActivations(c, layer.id, pooling)), path));
      artifacts.push({ path: layout.relative(path), role: 'activations', layer: layer.id, pooling, dtype: '<f4', shape: [images.length, layer.channels] });
      progress();
    }
  }
  await write(layout.logits, () => concatNpy(withRows.map((c) => chunkLayouts[c]!.chunkLogits(c)), layout.logits));
  const logits = await readNpy(layout.logits);
  const classes = logits.shape[1] ?? 0;
  artifacts.push({ path: layout.relative(layout.logits), role: 'logits', dtype: '<f4', shape: [images.length, classes] });
  progress();

  artifacts.push(await writeImagesTable(layout, base.model.classNames, images, logits.data as Float32Array, classes));
  await write(layout.skipped, () => writeFileAtomic(layout.skipped, skippedText));
  artifacts.push({ path: layout.relative(layout.skipped), role: 'skipped', dtype: 'jsonl', shape: [skipped.length] });
  progress();

  const counted: LayerRecord[] = [];
  for (const layer of layers) {
    const nonFinite: Partial<Record<Pooling, number>> = {};
    for (const pooling of poolings) {
      const result = await writeNeuronStats(layout, base.topK, layer, pooling, images.length);
      artifacts.push(...result.artifacts);
      nonFinite[pooling] = result.nonFinite;
      progress();
    }
    counted.push({ ...layer, nonFinite });
  }

  const manifest: RunManifest = {
    format: 'neurolens-run',
    formatVersion: 1,
    neurolensVersion: version,
    createdAt: target.createdAt,
    model: base.model,
    images: { ...base.images, count: images.length, skipped: skipped.length },
    preprocessing: base.preprocessing,
    layers: counted,
    poolings,
    topK: base.topK,
    artifacts,
    identity: base.identity,
    fingerprint: base.fingerprint,
  };
  await write(layout.manifest, () => writeJsonAtomic(layout.manifest, manifest));
  progress();
  await rm(layout.work, { recursive: true, force: true });
  return manifest;
}

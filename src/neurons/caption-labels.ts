/**
 * Where enrichment labels (./enrichment.ts) get their candidate concepts, and the file they are
 * written to (RUN/neurons/labels.json). A concepts run (RUN/concepts/LAYER.json, written by
 * `neurolens concepts`) gives every cluster at every level (or one level with `--concepts-level`);
 * its caption clustering is the same for every layer, so the first recorded layer that has a
 * concepts file supplies it (as the probes do). A `--labels` file gives its concepts. A `--masks`
 * dataset (./masks.ts, also the dissection's input) gives its concepts, each with the run images
 * whose mask for it is not empty.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ConceptCluster, ConceptLayer } from '../concepts/types.js';
import { NeurolensError } from '../errors.js';
import { neuronMessages } from '../messages/neurons.js';
import type { Preprocessing } from '../images/types.js';
import type { ConceptLabels } from '../probes/labels.js';
import { layerFileStem } from '../record/layout.js';
import type { RunImageRow } from '../record/read-run.js';
import type { LayerRecord } from '../record/types.js';
import type { ConceptFamily, EnrichmentLabel } from './enrichment.js';
import { loadMask, type MaskDataset, type MaskEntry } from './masks.js';

export interface NeuronLabelsFile {
  format: 'neurolens-neuron-labels';
  formatVersion: 2;
  /**
   * The concepts file (run-relative), the labels file and the masks file (both as given) that
   * supplied candidates; null when not used. `masks` is absent in files written before mask
   * concepts were candidates.
   */
  sources: { concepts: string | null; labels: string | null; masks?: string | null };
  pooling: string;
  settings: {
    /** Top images per neuron (the run's top-k, first `top`). */
    top: number;
    /** A neuron is labelled when its q is below this. */
    maxQ: number;
    /** The only concepts level used, or null for all. */
    level: number | null;
    score: 'f1';
    test: 'hypergeometric-greater';
    correction: 'bonferroni-within-neuron+benjamini-hochberg-across-layer';
  };
  layers: {
    id: string;
    channels: number;
    /** Neurons with a label (q < maxQ). */
    labelled: number;
    /** The label most neurons of the layer carry, and how many; null when none is labelled. */
    topLabel: { label: string; count: number } | null;
    neurons: EnrichmentLabel[];
  }[];
}

/** Clusters of the concepts run grouped by level (finest first), each cluster with its member set. */
export interface ClusterLevels {
  levels: number[];
  byLevel: Map<number, { cluster: ConceptCluster; members: Set<number> }[]>;
}

export function clusterLevels(clusters: readonly ConceptCluster[]): ClusterLevels {
  const byLevel = new Map<number, { cluster: ConceptCluster; members: Set<number> }[]>();
  for (const cluster of clusters) {
    let list = byLevel.get(cluster.level);
    if (!list) byLevel.set(cluster.level, (list = []));
    list.push({ cluster, members: new Set(cluster.images) });
  }
  return { levels: [...byLevel.keys()].sort((a, b) => a - b), byLevel };
}

/** Every cluster of the concepts run (of `level` only when given) as one candidate family. */
export function clusterFamily(clusters: readonly ConceptCluster[], runImages: number, level?: number): ConceptFamily {
  const universe = new Uint8Array(runImages);
  for (const c of clusters) for (const i of c.images) if (i >= 0 && i < runImages) universe[i] = 1;
  const kept = clusters.filter((c) => level === undefined || c.level === level);
  return { source: 'clusters', universe, concepts: kept.map((c) => ({ id: c.id, name: c.caption, level: c.level, images: c.images })) };
}

/** The concepts of a labels file (every run image is in its universe: unnamed images have none). */
export function labelsFamily(labels: ConceptLabels): ConceptFamily {
  const runImages = labels.Y[0]?.length ?? 0;
  const concepts = labels.names.map((name, c) => {
    const images: number[] = [];
    labels.Y[c]!.forEach((v, i) => v && images.push(i));
    return { id: name, name, level: null, images };
  });
  return { source: 'labels', universe: new Uint8Array(runImages).fill(1), concepts };
}

/**
 * The concepts of a mask dataset as one family. Entries are matched to run images by absolute path
 * (the run's image root joined with the recorded path); an entry whose image the run did not record
 * only serves the dissection and is returned in `unmatched`. The universe is every run image with
 * at least one mask file: the dataset says nothing about the others. A concept's images are those
 * whose mask for it is not empty at model input (after the image's own resize and crop, as the
 * dissection sees it), so a mask file that is all background does not count as showing the concept.
 * Concepts that no run image shows are left out: they could never be picked, and counting them
 * would only weaken the within-neuron correction.
 */
export async function maskFamily(
  dataset: MaskDataset,
  run: { root: string; images: readonly Pick<RunImageRow, 'path' | 'width' | 'height'>[]; prep: Preprocessing },
): Promise<{ family: ConceptFamily; unmatched: MaskEntry[] }> {
  const rowOf = new Map(run.images.map((image, i) => [resolve(run.root, image.path), i]));
  const universe = new Uint8Array(run.images.length);
  const shown = new Map<string, Set<number>>(dataset.concepts.map((c) => [c, new Set<number>()]));
  const unmatched: MaskEntry[] = [];
  for (const entry of dataset.entries) {
    const row = rowOf.get(entry.image);
    if (row === undefined) {
      unmatched.push(entry);
      continue;
    }
    if (entry.masks.size > 0) universe[row] = 1;
    const { width, height } = run.images[row]!;
    for (const [concept, path] of entry.masks) {
      const mask = await loadMask(path, width, height, run.prep).catch((error: Error) => {
        throw new NeurolensError('input', neuronMessages.maskUnreadable(dataset.file, entry.line, path, error.message), { cause: error });
      });
      if (mask.includes(1)) shown.get(concept)!.add(row);
    }
  }
  const concepts = dataset.concepts
    .filter((name) => shown.get(name)!.size > 0)
    .map((name) => ({ id: name, name, level: null, images: [...shown.get(name)!].sort((a, b) => a - b) }));
  return { family: { source: 'masks', universe, concepts }, unmatched };
}

/** The concepts file of the first recorded layer that has one, or undefined. */
export async function findConceptsLayer(runDir: string, layers: readonly LayerRecord[]): Promise<{ file: string; layer: ConceptLayer } | undefined> {
  const present = new Set(await readdir(join(runDir, 'concepts')).catch(() => [] as string[]));
  const layer = layers.find((l) => present.has(`${layerFileStem(l.id)}.json`));
  if (!layer) return undefined;
  const file = `concepts/${layerFileStem(layer.id)}.json`;
  try {
    return { file, layer: JSON.parse(await readFile(join(runDir, file), 'utf8')) as ConceptLayer };
  } catch (error) {
    throw new NeurolensError('input', neuronMessages.conceptsUnreadable(join(runDir, file), (error as Error).message), { cause: error });
  }
}

/** Checks a forced level against the concepts run. */
export function checkLevel(levels: ClusterLevels, level: number | undefined): void {
  if (level !== undefined && !levels.levels.includes(level)) throw new NeurolensError('usage', neuronMessages.unknownLevel(level, levels.levels));
}

/**
 * Caption-derived neuron labels from a concepts run (RUN/concepts/LAYER.json, written by
 * `neurolens concepts`). The caption clustering is the same for every layer, so the first recorded
 * layer that has a concepts file supplies it (as the probes do).
 *
 * For a neuron with top-k images S (the run's top-k, first `top`): at each level, the dominant
 * cluster is the one holding most of S (ties: the cluster listed first in the file), and its share
 * = |S ∩ cluster| / |S| — images left out of the clustering (no caption) count in |S|, so they
 * lower every share. The label is the dominant cluster of the finest level (level 1 is finest)
 * whose share ≥ minShare (0.5); when no level reaches it, the coarsest level's dominant cluster,
 * with `confident: false`. `level` forces one level.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConceptCluster, ConceptLayer } from '../concepts/types.js';
import { NeurolensError } from '../errors.js';
import { neuronMessages } from '../messages/neurons.js';
import { layerFileStem } from '../record/layout.js';
import type { LayerRecord } from '../record/types.js';

export interface CaptionLabel {
  channel: number;
  level: number;
  cluster: string;
  caption: string;
  share: number;
  /** Whether the share reaches minShare (false: the coarsest level's best, reported anyway). */
  confident: boolean;
}

export interface CaptionLabelsFile {
  format: 'neurolens-neuron-labels';
  formatVersion: 1;
  source: string;
  pooling: string;
  settings: { top: number; minShare: number; level: number | null };
  layers: { id: string; channels: number; neurons: CaptionLabel[] }[];
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

/** The dominant cluster of one level among `images`, with its share. */
function dominant(list: { cluster: ConceptCluster; members: Set<number> }[], images: readonly number[]): { cluster: ConceptCluster; share: number } | undefined {
  let best: { cluster: ConceptCluster; hits: number } | undefined;
  for (const { cluster, members } of list) {
    let hits = 0;
    for (const i of images) if (members.has(i)) hits++;
    if (!best || hits > best.hits) best = { cluster, hits };
  }
  return best && images.length > 0 ? { cluster: best.cluster, share: best.hits / images.length } : undefined;
}

/** The caption label of a neuron whose top images are `images` (see the module comment). */
export function captionLabel(channel: number, images: readonly number[], levels: ClusterLevels, options: { minShare?: number; level?: number } = {}): CaptionLabel | null {
  const minShare = options.minShare ?? 0.5;
  const candidates = options.level === undefined ? levels.levels : [options.level];
  let last: CaptionLabel | null = null;
  for (const level of candidates) {
    const found = dominant(levels.byLevel.get(level) ?? [], images);
    if (!found) continue;
    const confident = found.share >= minShare;
    last = { channel, level, cluster: found.cluster.id, caption: found.cluster.caption, share: found.share, confident };
    if (confident) return last;
  }
  return last;
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

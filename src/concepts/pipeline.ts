/**
 * `neurolens concepts`: the hierarchical multi-neuron interpretation of a recorded RUN.
 * captions → text embeddings → FINCH levels → one caption per cluster → per layer, the neuron
 * group of every cluster (level 1: neurons active on ≥ min-share of its images; above: the
 * children's intersection), difference neurons, statistics and a chance baseline.
 * Writes RUN/concepts/LAYER.json per layer and RUN/concepts/report.html.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { NeurolensError } from '../errors.js';
import { conceptMessages } from '../messages/index.js';
import { finch, type FinchVariant } from '../cluster/finch.js';
import { layerFileStem } from '../record/layout.js';
import type { Pooling } from '../record/types.js';
import { openRun } from '../run/open.js';
import { writeFileAtomic, writeJsonAtomic } from '../store/atomic.js';
import { captionImagesCached, embedTextsCached, loadCaptions, tfidf } from '../text/index.js';
import { clusterCaptions } from './cluster-captions.js';
import { createProviders } from './providers.js';
import { activeSets, type ActiveRule } from './active.js';
import { neuronGroups } from './groups.js';
import { chanceBaseline } from './chance.js';
import { renderConceptReport } from './report.js';
import { thumbnails } from './thumbnails.js';
import type { ConceptCluster, ConceptLayer } from './types.js';
import { withRunLock } from '../store/lock.js';
import { CONCEPTS_DEFAULTS } from './defaults.js';

export interface ConceptsOptions {
  /** A finished RUN directory (from `neurolens record`). */
  run: string;
  /** JSONL or CSV file with `path` (relative to the recorded image root) and `caption`. */
  captions?: string;
  /** Caption the images instead: 'openai:<model>' or 'transformers:<model or dir>' (cached in the RUN). */
  captioner?: string;
  /** Drop images without a caption instead of failing. */
  allowMissing?: boolean;
  /** Text embedder id: 'tfidf' (default, offline), 'openai:<model>', 'transformers:<model or dir>'. */
  embedder?: string;
  /** Cluster caption writer: 'extractive' (default, offline) or 'openai:<model>'. */
  summarizer?: string;
  /** OpenAI-compatible server for openai: providers (default OPENAI_BASE_URL or api.openai.com). */
  baseUrl?: string;
  /** Let transformers: providers download from the Hugging Face hub (default: local folders only). */
  allowRemote?: boolean;
  /** Captions sampled per cluster for an LLM summary (default 20). */
  sampleK?: number;
  /** Layer ids to analyse; default every recorded layer. */
  layers?: string[];
  /** Which recorded pooling feeds the active-neuron rule. Default 'mean'. */
  pooling?: Pooling;
  /** Active neurons: top fraction of the layer per image (default 0.1) or a per-neuron quantile. */
  active?: ActiveRule;
  /** Share of a cluster's images a neuron must be active on (level-1 groups). Default 0.5. */
  minShare?: number;
  /** FINCH behaviour ('v0.2.1' default, with early exit) and distance ('cosine' default). */
  finchVariant?: FinchVariant;
  metric?: 'cosine' | 'euclidean';
  /**
   * Cut the hierarchy at exactly K clusters: the FINCH levels with more than K clusters, topped by
   * FINCH's requested-count partition (which nests over them).
   */
  clusters?: number;
  /** Keywords per cluster caption. Default 5. */
  keywords?: number;
  /** Random partitions for the chance baseline, and their seed (also the LLM sampling seed). Defaults 20 and 0. */
  chanceDraws?: number;
  seed?: number;
}

export interface ConceptsResult {
  files: string[];
  report: string;
  /** Clusters per level, finest first. */
  counts: number[];
  /** Image rows of the run that were clustered (images with a caption). */
  kept: number[];
  /** Partitions over `kept`, finest first. */
  partitions: Int32Array[];
  warnings: string[];
}

export interface ConceptsHooks {
  onStep?: (message: string) => void;
}

export async function buildConcepts(options: ConceptsOptions, hooks: ConceptsHooks = {}): Promise<ConceptsResult> {
  return withRunLock(options.run, 'concepts', () => buildConceptsLocked(options, hooks));
}

async function buildConceptsLocked(options: ConceptsOptions, hooks: ConceptsHooks): Promise<ConceptsResult> {
  const pooling = options.pooling ?? CONCEPTS_DEFAULTS.pooling;
  const run = await openRun(options.run, { layers: options.layers ?? 'all', poolings: [pooling], poolingOption: '--pooling' });
  const { manifest, images, layers } = run;
  if (!options.captions && !options.captioner) throw new NeurolensError('usage', conceptMessages.captionsRequired());
  const providers = await createProviders(
    { captioner: options.captions ? undefined : options.captioner, embedder: options.embedder, summarizer: options.summarizer },
    { run: options.run, baseUrl: options.baseUrl, allowRemote: options.allowRemote, sampleK: options.sampleK, seed: options.seed },
  );

  let captions: string[];
  let kept: number[];
  let warnings: string[] = [];
  if (options.captions) {
    hooks.onStep?.(`reading captions from ${options.captions}`);
    const loaded = await loadCaptions(options.captions, images, { allowMissing: options.allowMissing });
    ({ captions, kept, warnings } = loaded);
  } else {
    const captioner = providers.captioner!;
    hooks.onStep?.(`captioning ${images.length} images with ${captioner.id} (cached in the run)`);
    const toCaption = images.map((row) => ({ path: row.path, absolutePath: join(manifest.images.root, row.path), sha256: row.sha256 }));
    const made = (await captionImagesCached(options.run, captioner, toCaption)).captions;
    kept = made.flatMap((c, i) => (c.trim().length > 0 ? [i] : []));
    if (kept.length < made.length && !options.allowMissing) throw new NeurolensError('input', conceptMessages.emptyCaptions(made.length - kept.length, captioner.id));
    captions = kept.map((i) => made[i]!);
  }
  hooks.onStep?.(`embedding ${captions.length} captions (${providers.embedderId})`);
  let vectors: Float32Array;
  let dims: number;
  if (providers.embedder) ({ vectors, dims } = await embedTextsCached(options.run, providers.embedder, captions));
  else ({ vectors, dims } = tfidf(captions));
  hooks.onStep?.(`clustering ${captions.length} captions (FINCH ${options.finchVariant ?? CONCEPTS_DEFAULTS.finchVariant})`);
  const clustering = await finch(vectors, { rows: captions.length, dims, metric: options.metric ?? 'cosine', variant: options.finchVariant, clusters: options.clusters });
  let { partitions, counts } = clustering;
  // FINCH's finest level is its most clusters; a larger K would silently give that level instead.
  if (options.clusters !== undefined && counts.length > 0 && options.clusters > counts[0]!) {
    throw new NeurolensError('usage', conceptMessages.clustersAboveFinch(options.clusters, counts[0]!, captions.length));
  }
  if (options.clusters !== undefined && clustering.requested) {
    const finer = counts.flatMap((n, l) => (n > options.clusters! ? [l] : []));
    partitions = [...finer.map((l) => partitions[l]!), clustering.requested];
    counts = [...finer.map((l) => counts[l]!), new Set(clustering.requested).size];
  }
  if (partitions.length === 0) throw new NeurolensError('input', conceptMessages.noHierarchy(captions.length));
  if (partitions.length === 1 && (options.finchVariant ?? CONCEPTS_DEFAULTS.finchVariant) === 'v0.2.1') warnings.push(conceptMessages.singleLevel(counts[0]!));
  const levelCaptions = await clusterCaptions(captions, vectors, partitions, { keywords: options.keywords ?? CONCEPTS_DEFAULTS.keywords, kept, summarizer: providers.summarizer, onStep: hooks.onStep });

  const settings = {
    captions: { file: options.captions ?? null, images: captions.length, allowMissing: options.allowMissing ?? false },
    captioner: options.captions ? null : options.captioner,
    embedder: providers.embedderId,
    summarizer: providers.summarizerId,
    finch: { variant: options.finchVariant ?? CONCEPTS_DEFAULTS.finchVariant, metric: options.metric ?? 'cosine', clusters: options.clusters ?? null, counts },
    active: options.active ?? CONCEPTS_DEFAULTS.active,
    minShare: options.minShare ?? CONCEPTS_DEFAULTS.minShare,
    chance: { draws: options.chanceDraws ?? CONCEPTS_DEFAULTS.chanceDraws, seed: options.seed ?? CONCEPTS_DEFAULTS.seed },
  };
  const files: string[] = [];
  const results: ConceptLayer[] = [];
  const dir = join(options.run, 'concepts');
  await mkdir(dir, { recursive: true });
  for (const layer of layers) {
    hooks.onStep?.(`neuron groups for ${layer.id}`);
    const full = await run.readActivations(layer, pooling);
    const rows = new Float32Array(kept.length * layer.channels);
    kept.forEach((row, i) => rows.set(full.subarray(row * layer.channels, (row + 1) * layer.channels), i * layer.channels));
    const active = activeSets(rows, kept.length, layer.channels, settings.active);
    const groups = neuronGroups(active, partitions, { minShare: settings.minShare });
    const chance = chanceBaseline(active, partitions, { minShare: settings.minShare, draws: settings.chance.draws, seed: settings.chance.seed });
    const clusters: ConceptCluster[] = groups.flatMap((level, l) =>
      level.map((g) => {
        const caption = levelCaptions[l]![g.label]!;
        return {
          id: g.id,
          level: g.level,
          parent: g.parent,
          children: g.children,
          images: g.images.map((i) => kept[i]!),
          caption: caption.caption,
          captionMethod: caption.method,
          keywords: caption.keywords,
          medoid: caption.medoid,
          neurons: g.neurons,
          differenceNeurons: g.differenceNeurons,
          differenceDescription: caption.difference,
          differenceMethod: caption.differenceMethod,
          stats: g.stats,
          chance: chance[l]![g.label]!,
        };
      }),
    );
    const result: ConceptLayer = {
      format: 'neurolens-concepts',
      formatVersion: 1,
      layer: { id: layer.id, tensor: layer.tensor, channels: layer.channels },
      pooling,
      settings,
      levels: counts.map((n, l) => ({ level: l + 1, clusters: n })),
      clusters,
    };
    const path = join(dir, `${layerFileStem(layer.id)}.json`);
    await writeJsonAtomic(path, result);
    files.push(path);
    results.push(result);
  }
  hooks.onStep?.('writing the report');
  const examples = new Set(results[0]?.clusters.flatMap((c) => [c.medoid, ...c.images.filter((i) => i !== c.medoid)].slice(0, 6)) ?? []);
  for (const r of results) for (const c of r.clusters) c.images.sort((a, b) => (a === c.medoid ? -1 : b === c.medoid ? 1 : a - b));
  const paths = new Map(images.map((row) => [row.index, row.path]));
  const thumbs = await thumbnails(manifest.images.root, [...examples].sort((a, b) => a - b).map((i) => ({ index: i, path: paths.get(i)! })));
  const report = join(dir, 'report.html');
  await writeFileAtomic(report, renderConceptReport({ title: `concepts — ${manifest.model.path.split('/').pop()} on ${manifest.images.source}`, layers: results, thumbnails: thumbs, paths }));
  return { files, report, counts, kept, partitions, warnings };
}

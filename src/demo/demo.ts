/**
 * `neurolens demo`: zero-config tour on real trained models. Stages the emoji collection, records
 * both demo models (resumable, so a second run is instant) and checks their predictions against
 * the emoji subcategories. Each later analysis stage adds itself here.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NeurolensError } from '../errors.js';
import { demoMessages } from '../messages/index.js';
import { record } from '../record/recorder.js';
import { openRun } from '../run/open.js';
import type { RecordProgress } from '../record/types.js';
import { buildConcepts } from '../concepts/pipeline.js';
import { demoCircuits, type DemoCircuits } from './circuits-stage.js';
import { ATTRIBUTION_IMAGES, demoAttribution, type DemoAttribution } from './attribution-stage.js';
import { runNeurons } from '../neurons/pipeline.js';
import type { DissectionFile } from '../neurons/dissect.js';
import type { NeuronLabelsFile } from '../neurons/caption-labels.js';
import { writeColourMasks } from './colour-masks.js';
import { runProbes } from '../probes/pipeline.js';
import type { Interval } from '../probes/bootstrap.js';
import { writeFileAtomic } from '../store/atomic.js';
import { adjustedRandIndex, purity } from '../concepts/agreement.js';
import { listEmojiImages, spreadSubset, stageEmojiDataset, type EmojiImage } from './emoji.js';
import { DEFAULT_DEMO_OUT } from './defaults.js';
import { checkProvider } from '../runtime/provider.js';

/** The demo models shipped in the repository's models/ folder (ONNX + model card). */
export const DEMO_MODELS = ['emoji-resnet', 'emoji-vit'] as const;
/** Queries of the circuits ablation check. */
export const EVAL_QUERIES = 50;
/**
 * Subcategories with fewer images are not probed. Quick runs: 4 (two emoji × both artworks, so a
 * test image per class). Full runs: 16 — the 70 subcategories the demo models were trained on
 * (≥ 8 emoji each); probing all 98 would push the full demo past 10 minutes on 2 cores.
 */
export const PROBE_MIN_IMAGES = { quick: 4, full: 16 } as const;
/** Emoji in a --quick run (each with both artworks). */
export const QUICK_EMOJI = 150;
export { DEFAULT_DEMO_OUT } from './defaults.js';

export interface DemoOptions {
  /** Output folder; default {@link DEFAULT_DEMO_OUT} in the working directory. */
  out?: string;
  /** A few hundred images instead of the full collection (about 3,800). */
  quick?: boolean;
  /** onnxruntime threads (default: CPU cores). */
  threads?: number;
  /** Execution provider of every session the demo opens: 'cpu' (default) or 'cuda' (see SessionOptions). */
  executionProvider?: 'cpu' | 'cuda';
}

export interface DemoModelResult {
  name: string;
  model: string;
  run: string;
  status: 'complete' | 'unchanged' | 'repaired';
  images: number;
  skipped: number;
  seconds: number;
  layers: string[];
  /** Top-1 agreement of the prediction with the emoji's subcategory (images whose subcategory is a class). */
  top1: { correct: number; total: number };
  /** The concept stage on this run: files, and the report. */
  concepts?: { files: string[]; report: string };
  /** The circuits stage: three queries (one misclassified, diagnosed) and the ablation check. */
  circuits?: DemoCircuits;
  /** The probes stage: emoji subcategories probed on the last two recorded layers. */
  probes?: DemoProbes;
  /** The neurons stage: activation rates, rarely-active neurons, exemplar sprites, enrichment labels, dissection. */
  neurons?: DemoNeurons;
  /** The attribution stage: maps of 50 images (16 with --quick) per method, their evaluation and a sanity check. */
  attribution?: DemoAttribution;
}

export interface DemoNeurons {
  /** RUN/neurons/summary.json. */
  summary: string;
  /** Neurons that are rarely active (rate below 1 %) over all analysed layers, and all neurons. */
  rare: number;
  neurons: number;
  /**
   * Enrichment labels (neurons/labels.json), per layer: neurons labelled (q < 0.05) and the label
   * most of them carry with its count (null when none is labelled).
   */
  labels: { layer: string; channels: number; labelled: number; top: { label: string; count: number } | null }[];
  /** Dissection against the colour masks: per layer, neurons labelled (IoU > 0.04) and the most frequent label. */
  dissection: { layer: string; labelled: number; channels: number; top?: { label: string; count: number; bestIou: number } }[];
}

/** Images given colour masks for the dissection (spread over the collection). */
export const MASK_IMAGES = { quick: 100, full: 300 } as const;

export interface DemoProbes {
  files: string[];
  report: string;
  /** Subcategories probed (those with at least {@link PROBE_MIN_IMAGES} images). */
  concepts: number;
  /** Per layer: mean test AUC over subcategories of the multi-neuron probe, its shuffled-label control and the best single neuron; softmax class accuracy vs majority. */
  layers: { layer: string; multiAuc: number; shuffledAuc: number; singleAuc: number; classAccuracy: number | null; majority: number | null }[];
  /** The subcategory read best (multi-neuron test AUC) among those with at least `minTestPositives` test positives, with its 95 % interval. */
  best?: { layer: string; concept: string; auc: number; aucCi: Interval | null; testPositives: number };
  /** The floor of test positives below which a subcategory is not ranked, and how many subcategories fall below it. */
  minTestPositives: number;
  tooFewTestPositives: number;
}

export interface ClusterAgreement {
  level: number;
  clusters: number;
  /** Against emoji subcategories (level 1) and categories (level 2). */
  truth: 'subcategory' | 'category';
  ari: number;
  purity: number;
}

export interface DemoResult {
  out: string;
  mode: 'quick' | 'full';
  images: number;
  labels: string;
  runs: DemoModelResult[];
  /** How well the caption clusters (levels 1 and 2) match the emoji hierarchy. */
  clustering: ClusterAgreement[];
  seconds: number;
}

export interface DemoHooks {
  /** A line describing the step starting now. */
  onStep?: (message: string) => void;
  onProgress?: (model: string, progress: RecordProgress) => void;
}

export function modelsDir(): string {
  return fileURLToPath(new URL('../../models/', import.meta.url));
}

async function agreement(run: string, images: readonly EmojiImage[]): Promise<DemoModelResult['top1']> {
  const { manifest, images: rows } = await openRun(run, { activations: false });
  const classNames = manifest.model.classNames ?? [];
  const byPath = new Map(images.map((i) => [i.path, i.subcategory]));
  let correct = 0;
  let total = 0;
  for (const row of rows) {
    const truth = byPath.get(row.path);
    if (truth === undefined || !classNames.includes(truth)) continue;
    total++;
    if (classNames[row.top5_classes[0]!] === truth) correct++;
  }
  return { correct, total };
}

/** ARI and purity of caption-cluster levels 1 and 2 against emoji subcategories and categories. */
async function agreementWithHierarchy(run: string, images: readonly EmojiImage[], kept: readonly number[], partitions: readonly Int32Array[]): Promise<ClusterAgreement[]> {
  const { images: rows } = await openRun(run, { activations: false });
  const byPath = new Map(images.map((i) => [i.path, i]));
  const truthOf = (field: 'subcategory' | 'category') => kept.map((row) => byPath.get(rows[row]!.path)?.[field] ?? '?');
  return partitions.slice(0, 2).map((partition, l) => {
    const truth = l === 0 ? 'subcategory' : 'category';
    const labels = truthOf(truth);
    return { level: l + 1, clusters: new Set(partition).size, truth, ari: adjustedRandIndex(partition, labels), purity: purity(partition, labels) };
  });
}

/**
 * Probes the emoji subcategories (exclusive concepts) on the run's last two layers. Per-concept
 * MLPs are left out to keep the demo quick; the joint (softmax) MLP stays.
 */
async function demoProbes(run: string, images: readonly EmojiImage[], minImages: number): Promise<DemoProbes> {
  const labels = join(run, 'subcategory-labels.csv');
  const quote = (t: string) => (/[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t);
  await writeFileAtomic(labels, 'path,concept\n' + images.map((i) => `${quote(i.path)},${quote(i.subcategory)}\n`).join(''));
  const layers = (await openRun(run, { activations: false, images: false })).manifest.layers.slice(-2).map((l) => l.id);
  const result = await runProbes({ run, labels, layers, mlp: 'joint', minPositives: minImages, tolerance: 1e-4 });
  const mean = (xs: (number | null)[]) => {
    const v = xs.filter((x): x is number => x !== null);
    return v.length > 0 ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
  };
  // Each layer's headline already leaves out subcategories with too few test positives.
  let best: DemoProbes['best'];
  for (const l of result.layers) {
    const b = l.headline.best;
    if (b && (!best || b.auc > best.auc)) best = { layer: l.layer.id, concept: b.concept, auc: b.auc, aucCi: b.aucCi, testPositives: b.testPositives };
  }
  const first = result.layers[0]?.headline;
  return {
    files: result.files,
    report: result.report,
    concepts: result.labels.names.length,
    layers: result.layers.map((l) => ({
      layer: l.layer.id,
      multiAuc: mean(l.concepts.map((c) => c.probes.multiNeuron.test.auc)),
      shuffledAuc: mean(l.concepts.map((c) => c.baselines.shuffled.auc)),
      singleAuc: mean(l.concepts.map((c) => c.probes.singleNeuron.test.auc)),
      classAccuracy: l.joint?.multiConcept?.test.accuracy ?? null,
      majority: l.joint?.majority ?? null,
    })),
    best,
    minTestPositives: first?.minTestPositives ?? 0,
    tooFewTestPositives: first?.tooFewTestPositives.length ?? 0,
  };
}

async function demoNeurons(run: string, session: { threads: number | undefined; executionProvider: 'cpu' | 'cuda' | undefined }, masks: string): Promise<DemoNeurons> {
  const result = await runNeurons({ run, masks, ...(session.threads === undefined ? {} : { threads: session.threads }), executionProvider: session.executionProvider });
  const rare = result.summary.layers.reduce((n, l) => n + l.rare, 0);
  const neurons = result.summary.layers.reduce((n, l) => n + l.channels, 0);
  const labelsFile = join(run, 'neurons', 'labels.json');
  const labelLayers = existsSync(labelsFile) ? (JSON.parse(await readFile(labelsFile, 'utf8')) as NeuronLabelsFile).layers : [];
  const labels = labelLayers.map((l) => ({ layer: l.id, channels: l.channels, labelled: l.labelled, top: l.topLabel }));
  const dissectionFile = JSON.parse(await readFile(join(run, 'neurons', 'dissection.json'), 'utf8')) as DissectionFile;
  const dissection = dissectionFile.layers.map((layer) => {
    const counts = new Map<string, { count: number; bestIou: number }>();
    for (const n of layer.neurons) {
      if (n.label === null) continue;
      const entry = counts.get(n.label) ?? { count: 0, bestIou: 0 };
      entry.count++;
      entry.bestIou = Math.max(entry.bestIou, n.iou);
      counts.set(n.label, entry);
    }
    const [label, top] = [...counts].sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]))[0] ?? [];
    const labelled = [...counts.values()].reduce((sum, e) => sum + e.count, 0);
    return { layer: layer.id, labelled, channels: layer.channels, ...(label && top ? { top: { label, ...top } } : {}) };
  });
  return { summary: join(run, 'neurons', 'summary.json'), rare, neurons, labels, dissection };
}

export async function runDemo(options: DemoOptions = {}, hooks: DemoHooks = {}): Promise<DemoResult> {
  const started = performance.now();
  const mode = options.quick ? 'quick' : 'full';
  const out = resolve(options.out ?? DEFAULT_DEMO_OUT);
  const all = await listEmojiImages();
  const images = options.quick ? spreadSubset(all, QUICK_EMOJI) : all;
  const root = join(out, mode);
  // Before the first file is staged: a device that cannot start fails with nothing written.
  await checkProvider(options.executionProvider);
  hooks.onStep?.(`staging ${images.length} emoji images in ${join(root, 'images')}`);
  const { imagesDir, labels, captions } = await stageEmojiDataset(root, images);
  const maskStep = Math.max(1, Math.floor(images.length / MASK_IMAGES[mode]));
  hooks.onStep?.(`colour masks (red, orange, …, white) of ${Math.min(images.length, MASK_IMAGES[mode])} images for the dissection`);
  const masks = await writeColourMasks(imagesDir, images.filter((_, i) => i % maskStep === 0).slice(0, MASK_IMAGES[mode]).map((i) => i.path), join(root, 'colour-masks'));
  const runs: DemoModelResult[] = [];
  let clustering: ClusterAgreement[] = [];
  for (const name of DEMO_MODELS) {
    const model = join(modelsDir(), `${name}.onnx`);
    if (!existsSync(model)) throw new NeurolensError('input', demoMessages.modelMissing(model));
    const run = join(root, 'runs', name);
    hooks.onStep?.(`recording ${name} → ${run}`);
    const result = await record(
      { model, images: imagesDir, out: run, threads: options.threads, executionProvider: options.executionProvider },
      { onProgress: (p) => hooks.onProgress?.(name, p) },
    );
    const { manifest } = await openRun(run, { activations: false, images: false });
    const { correct, total } = await agreement(run, images);
    runs.push({
      name,
      model,
      run,
      status: result.status,
      images: result.images,
      skipped: result.skipped,
      seconds: result.seconds,
      layers: manifest.layers.map((l) => l.id),
      top1: { correct, total },
    });
    // Both artworks of an emoji share its name, so captions repeat exactly; FINCH v0.2.1's early
    // exit would stop after merging those duplicates (see the concepts warning), hence v0.2.2.
    hooks.onStep?.(`concept hierarchy for ${name} (captions = emoji names, FINCH v0.2.2)`);
    const concepts = await buildConcepts({ run, captions, finchVariant: 'v0.2.2' });
    runs.at(-1)!.concepts = { files: concepts.files, report: concepts.report };
    clustering = await agreementWithHierarchy(run, images, concepts.kept, concepts.partitions);
    hooks.onStep?.(`concept circuits for ${name}: 3 queries (one misclassified, diagnosed), check on ${EVAL_QUERIES} queries`);
    runs.at(-1)!.circuits = await demoCircuits(run, images, { threads: options.threads, executionProvider: options.executionProvider, evalQueries: EVAL_QUERIES });
    hooks.onStep?.(`probes for ${name}: emoji subcategories on the last two layers`);
    runs.at(-1)!.probes = await demoProbes(run, images, PROBE_MIN_IMAGES[mode]);
    hooks.onStep?.(`neurons for ${name}: activation rates, exemplar crops, dissection against the colour masks, concept labels by enrichment`);
    runs.at(-1)!.neurons = await demoNeurons(run, { threads: options.threads, executionProvider: options.executionProvider }, masks);
    hooks.onStep?.(`attribution for ${name}: maps of ${ATTRIBUTION_IMAGES[mode]} images per method, evaluation (MoRF/LeRF, deletion, insertion, random maps), sanity check`);
    runs.at(-1)!.attribution = await demoAttribution(run, { threads: options.threads, executionProvider: options.executionProvider, vit: name === 'emoji-vit', mode });
  }
  return { out, mode, images: images.length, labels, runs, clustering, seconds: (performance.now() - started) / 1000 };
}

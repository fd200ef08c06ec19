/**
 * `neurolens neurons`: single-neuron analysis of a recorded RUN, written under RUN/neurons/:
 *  1. activation rates, rarely-active neurons and rare neurons per image (./summary.ts, ./rates.ts);
 *  2. top-k exemplars with region crops as sprites, resumable (./exemplars.ts);
 *  3. with a mask dataset, NetDissect labels (./dissect.ts);
 *  4. with a concepts run, a --labels file and/or a mask dataset, enrichment labels with their
 *     significance (./enrichment.ts) in RUN/neurons/labels.json; skipped with a note when there is
 *     none of them (or the mask dataset shows no concept on a run image);
 *  5. with --effects, per-neuron ablation class effects and exemplar heatmaps (./effects.ts).
 * One instrumented session serves stages 2 and 3, opened only when one of them has work to do.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { NeurolensError } from '../errors.js';
import { neuronMessages } from '../messages/neurons.js';
import { POOLINGS } from '../record/types.js';
import { writeJsonAtomic } from '../store/atomic.js';
import { readNpy } from '../store/npy.js';
import { checkLevel, clusterFamily, clusterLevels, findConceptsLayer, labelsFamily, maskFamily, type NeuronLabelsFile } from './caption-labels.js';
import type { ConceptLayer } from '../concepts/types.js';
import { enrichmentLabels, labelShares, type ConceptFamily } from './enrichment.js';
import { loadLabelsFile } from '../probes/labels.js';
import { writeDissection } from './dissect.js';
import { readMaskDataset } from './masks.js';
import { writeExemplars } from './exemplars.js';
import { EFFECTS_DEFAULTS, writeEffects } from './effects.js';
import { LazySession, openNeuronsRun, type NeuronsRun } from './run.js';
import { writeRates } from './summary.js';
import type { NeuronsHooks, NeuronsOptions, NeuronsResult } from './types.js';
import { withRunLock } from '../store/lock.js';
import { NEURONS_DEFAULTS } from './defaults.js';
import { checkProvider } from '../runtime/provider.js';

export { NEURONS_DEFAULTS } from './defaults.js';

function checkOptions(options: NeuronsOptions): void {
  const bad = (message: string) => new NeurolensError('usage', message);
  if (!options.run) throw bad(neuronMessages.noRun());
  if (options.pooling !== undefined && !POOLINGS.includes(options.pooling)) throw bad(neuronMessages.badPooling(String(options.pooling)));
  if (options.activeAbove !== undefined && !Number.isFinite(options.activeAbove)) throw bad(neuronMessages.badNumber('--active-above', options.activeAbove));
  if (options.rareBelow !== undefined && !(options.rareBelow > 0 && options.rareBelow <= 1)) throw bad(neuronMessages.badRareBelow(options.rareBelow));
  if (options.iouMin !== undefined && !(options.iouMin >= 0 && options.iouMin < 1)) throw bad(neuronMessages.badIouMin(options.iouMin));
  if (options.maxQ !== undefined && !(options.maxQ > 0 && options.maxQ <= 1)) throw bad(neuronMessages.badMaxQ(options.maxQ));
  const integers: [string, number | undefined, number][] = [
    ['--top', options.top, 0], ['--thumb-size', options.thumbSize, 1], ['--batch', options.batch, 1], ['--concepts-level', options.conceptsLevel, 1], ['--threads', options.threads, 1],
    ['--effect-images', options.effectImages, 0], ['--heatmaps', options.heatmaps, 0], ['--seed', options.seed, 0],
  ];
  if (options.effectImages === 1) throw bad(neuronMessages.badEffectImages(1));
  for (const [name, value, min] of integers) {
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= min)) throw bad(neuronMessages.badInteger(name, value, min));
  }
}

/** Runs every stage; see the module comment. */
export async function runNeurons(options: NeuronsOptions, hooks: NeuronsHooks = {}): Promise<NeuronsResult> {
  return withRunLock(options.run, 'neurons', () => runNeuronsLocked(options, hooks));
}

async function runNeuronsLocked(options: NeuronsOptions, hooks: NeuronsHooks): Promise<NeuronsResult> {
  checkOptions(options);
  const run = await openNeuronsRun(options.run, { ...(options.layers ? { layers: options.layers } : {}), ...(options.pooling ? { pooling: options.pooling } : {}) });
  const settings = { ...NEURONS_DEFAULTS, ...definedOnly(options) };
  // The rates need no model and are written first: a device that cannot start must fail before them.
  if (settings.top > 0 || options.masks !== undefined || options.effects) await checkProvider(options.executionProvider);
  await mkdir(join(run.dir, 'neurons'), { recursive: true });
  const files: string[] = [];
  const notes: string[] = [];
  // Inputs that can be wrong are read before any long work starts.
  const dataset = options.masks === undefined ? undefined : await readMaskDataset(options.masks);
  const concepts = await findConceptsLayer(run.dir, run.manifest.layers);
  if (concepts) checkLevel(clusterLevels(concepts.layer.clusters), options.conceptsLevel);
  const labelsFile = options.labels === undefined ? undefined : await loadLabelsFile(options.labels, run.images, 1);
  for (const warning of labelsFile?.warnings ?? []) hooks.onWarning?.(warning);
  const masks = dataset && (await maskFamily(dataset, { root: run.manifest.images.root, images: run.images, prep: run.prep }));
  if (dataset && masks?.unmatched.length) {
    hooks.onWarning?.(neuronMessages.masksNotInRun(dataset.file, masks.unmatched.length, dataset.entries.length, masks.unmatched[0]!.image, run.manifest.images.root));
  }

  const rates = await writeRates(run, settings, hooks);
  files.push(...rates.files);

  const session = new LazySession(run, { ...(options.threads ? { threads: options.threads } : {}), executionProvider: options.executionProvider });
  let exemplarsComputed = 0;
  try {
    if (settings.top > 0) {
      const recordedK = run.manifest.topK;
      if (settings.top > recordedK) hooks.onWarning?.(neuronMessages.topClamped(settings.top, recordedK));
      const result = await writeExemplars(run, session, { top: Math.min(settings.top, recordedK), thumbSize: settings.thumbSize, batch: settings.batch, groupBytes: settings.groupBytes }, hooks);
      files.push(...result.files);
      exemplarsComputed = result.computed;
    }
    if (dataset) {
      files.push(await writeDissection(run, session, { masks: dataset, iouMin: settings.iouMin, batch: settings.batch, groupBytes: settings.groupBytes }, hooks));
    }
  } finally {
    await session.close();
  }

  if (options.effects) {
    const E = EFFECTS_DEFAULTS;
    const effects = { effectImages: options.effectImages ?? E.effectImages, heatmaps: options.heatmaps ?? E.heatmaps, seed: options.seed ?? E.seed, batch: E.batch, ...(options.threads ? { threads: options.threads } : {}), executionProvider: options.executionProvider };
    files.push(...(await writeEffects(run, effects, hooks)));
  }

  const families: ConceptFamily[] = [];
  if (concepts) families.push(clusterFamily(concepts.layer.clusters, run.images.length, options.conceptsLevel));
  if (labelsFile) families.push(labelsFamily(labelsFile));
  const maskCandidates = masks && masks.family.concepts.length > 0;
  if (maskCandidates) families.push(masks.family);
  if (families.length > 0) {
    const top = Math.min(settings.top > 0 ? settings.top : NEURONS_DEFAULTS.top, run.manifest.topK);
    const sources = { concepts: concepts?.file ?? null, labels: options.labels ?? null, masks: maskCandidates ? options.masks! : null };
    files.push(await writeLabels(run, families, sources, { top, maxQ: settings.maxQ, level: options.conceptsLevel ?? null }, hooks));
  } else {
    notes.push(neuronMessages.noConcepts(run.shown));
    hooks.onStep?.(neuronMessages.noConcepts(run.shown));
  }
  return { files, summary: rates.summary, exemplarsComputed, notes };
}

function definedOnly(options: NeuronsOptions): Partial<typeof NEURONS_DEFAULTS> {
  const out: Record<string, number> = {};
  for (const key of Object.keys(NEURONS_DEFAULTS) as (keyof typeof NEURONS_DEFAULTS)[]) {
    const value = options[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** Writes RUN/neurons/labels.json: every analysed layer's enrichment labels (./enrichment.ts). */
async function writeLabels(
  run: NeuronsRun,
  families: ConceptFamily[],
  sources: NeuronLabelsFile['sources'],
  settings: { top: number; maxQ: number; level: number | null },
  hooks: NeuronsHooks,
): Promise<string> {
  const file: NeuronLabelsFile = {
    format: 'neurolens-neuron-labels',
    formatVersion: 2,
    sources,
    pooling: run.pooling,
    settings: { ...settings, score: 'f1', test: 'hypergeometric-greater', correction: 'bonferroni-within-neuron+benjamini-hochberg-across-layer' },
    layers: [],
  };
  for (const layer of run.layers) {
    const topk = await readNpy(run.layout.topk(layer.id, run.pooling));
    const width = topk.shape[1] ?? 0;
    const k = Math.min(settings.top, width);
    const tops = Array.from({ length: layer.channels }, (_, c) => Array.from((topk.data as Int32Array).subarray(c * width, c * width + k)).filter((i) => i >= 0));
    const neurons = enrichmentLabels(tops, families, { maxQ: settings.maxQ, runImages: run.images.length });
    const shares = labelShares(neurons);
    file.layers.push({ id: layer.id, channels: layer.channels, labelled: shares.labelled, topLabel: shares.top, neurons });
    hooks.onStep?.(neuronMessages.labelsDone(layer.id, shares.labelled, layer.channels, settings.maxQ, shares.top));
  }
  await writeJsonAtomic(join(run.dir, 'neurons', 'labels.json'), file);
  return 'neurons/labels.json';
}

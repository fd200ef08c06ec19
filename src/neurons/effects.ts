/**
 * The model-dependent stage of `neurolens neurons --effects`: per analysed layer,
 * RUN/neurons/effects.LAYER.json (./effects-types.ts) with every neuron's ablation class effects on
 * a seeded sample of run images (./ablation-effects.ts) and gradient heatmaps over its top
 * exemplars with their deletion check (./heatmaps.ts). The explorer's neuron page reads the file;
 * the server never runs the model.
 */
import { join } from 'node:path';
import { attributorModel, makeAttributor } from '../attribution/attributor.js';
import { NeurolensError } from '../errors.js';
import { Ablator } from '../maps/ablate.js';
import { neuronMessages } from '../messages/neurons.js';
import { runMessages } from '../messages/run.js';
import { openModel } from '../model/open.js';
import { layerFileStem } from '../record/layout.js';
import { writeJsonAtomic } from '../store/atomic.js';
import { ablateLayers, effectSample, type EffectSums, layerSpread, measureAblation, summarizeAblation } from './ablation-effects.js';
import type { NeuronEffectsFile } from './effects-types.js';
import { layerHeatmaps } from './heatmaps.js';
import type { NeuronsRun } from './run.js';
import type { NeuronsHooks } from './types.js';
import { EFFECTS_DEFAULTS } from './defaults.js';

export { EFFECTS_DEFAULTS } from './defaults.js';

export interface EffectsSettings {
  /** Images of the seeded ablation sample (0 skips ablation; else at least 2). */
  effectImages: number;
  /** Heatmaps per neuron (top exemplars; 0 skips heatmaps). */
  heatmaps: number;
  seed: number;
  /** Ablation rows per model run. */
  batch: number;
  threads?: number;
  /** Execution provider of every session this opens: 'cpu' (default) or 'cuda' (see SessionOptions). */
  executionProvider?: 'cpu' | 'cuda';
}

/** Writes RUN/neurons/effects.LAYER.json for every analysed layer; returns the files written. */
export async function writeEffects(run: NeuronsRun, settings: EffectsSettings, hooks: NeuronsHooks = {}): Promise<string[]> {
  const D = EFFECTS_DEFAULTS;
  const opened = await openModel(run.manifest.model.path, { inputSize: [run.prep.height, run.prep.width] });
  if (opened.sha256 !== run.manifest.model.sha256) throw new NeurolensError('input', runMessages.modelChanged(run.manifest.model.path, run.shown));
  const names = run.manifest.model.classNames ?? opened.card?.classNames;
  const session = { ...(settings.threads === undefined ? {} : { threads: settings.threads }), executionProvider: settings.executionProvider };
  const sample = settings.effectImages > 0 ? effectSample(run.images.length, settings.effectImages, settings.seed) : [];
  let sums = new Map<string, EffectSums>();
  let used: number[] = [];
  let output = '';
  if (sample.length >= 2) {
    const ablator = await Ablator.create(opened.loaded.model, ablateLayers(run), { batch: settings.batch, ...session });
    try {
      output = ablator.output;
      ({ sums, used } = await measureAblation(run, ablator, sample, hooks));
    } finally {
      await ablator.close();
    }
  }
  if (settings.effectImages > 0 && used.length < 2) {
    hooks.onWarning?.(neuronMessages.effectsTooFewImages(used.length));
    sums = new Map();
  }
  const attributor = settings.heatmaps > 0 ? makeAttributor({ ...attributorModel(opened), preprocessing: run.prep }, session, run.manifest.model.path) : undefined;
  const files: string[] = [];
  try {
    for (const layer of run.layers) {
      const layerSums = sums.get(layer.id);
      const ablation = layerSums ? summarizeAblation(layerSums, names, D.classes, D.alpha) : null;
      const heatmaps = attributor ? await layerHeatmaps(run, layer, attributor, { exemplars: settings.heatmaps, deletion: D.deletion, seed: settings.seed }, hooks) : null;
      const file: NeuronEffectsFile = {
        format: 'neurolens-neuron-effects',
        formatVersion: 1,
        layer: { id: layer.id, tensor: layer.tensor, channels: layer.channels },
        settings: {
          ablation: layerSums ? { mode: 'zero', seed: settings.seed, images: used, output, classes: layerSums.classes, alpha: D.alpha, top: D.classes } : null,
          heatmaps: attributor ? { method: 'gradient', exemplars: settings.heatmaps, pooling: run.pooling, target: 'mean over positions', deletion: D.deletion, baseline: 'zero (the normalised mean colour)', seed: settings.seed } : null,
        },
        layerLargest: ablation ? layerSpread(ablation) : null,
        neurons: Array.from({ length: layer.channels }, (_, c) => ({ channel: c, ablation: ablation?.[c] ?? null, heatmaps: heatmaps?.[c] ?? null })),
      };
      const rel = `neurons/effects.${layerFileStem(layer.id)}.json`;
      await writeJsonAtomic(join(run.dir, rel), file);
      files.push(rel);
      hooks.onStep?.(neuronMessages.effectsDone(layer.id, layerSums ? used.length : 0, attributor ? settings.heatmaps : 0));
    }
  } finally {
    await attributor?.close();
  }
  return files;
}

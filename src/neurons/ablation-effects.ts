/**
 * Per-neuron ablation effects on the classes: each neuron of the analysed layers is zeroed alone
 * (×0 at every position, src/maps/ablate.ts) on every image of a seeded sample of the run, and the
 * change of every logit (ablated − unchanged) is averaged over the sample. One batch per image holds
 * the unchanged row and one row per neuron, so a sample of S images and N neurons costs S·(N + 1)
 * image forwards. Each class effect carries a simultaneous interval (Student t, Bonferroni over the
 * classes): an effect is called significant only when its interval excludes 0.
 */
import { join } from 'node:path';
import { decodeImage } from '../images/index.js';
import type { AblateLayer, Ablator, MaskRow } from '../maps/ablate.js';
import { neuronMessages } from '../messages/neurons.js';
import { studentTwoSided } from '../tcav/stats.js';
import { Random } from '../util/random.js';
import type { ClassEffect, NeuronAblation } from './effects-types.js';
import type { NeuronsRun } from './run.js';
import type { NeuronsHooks } from './types.js';

/** Running sums of the logit changes of one layer: channels × classes. */
export interface EffectSums {
  channels: number;
  classes: number;
  /** Images accumulated. */
  n: number;
  sum: Float64Array;
  sq: Float64Array;
}

/** `count` run image indices drawn with `seed` (all when the run has fewer), ascending. */
export function effectSample(images: number, count: number, seed: number): number[] {
  const all = Array.from({ length: images }, (_, i) => i);
  return new Random(seed).shuffle(all).slice(0, Math.min(count, images)).sort((a, b) => a - b);
}

/** The ablation layers of the analysed layers (what the Ablator needs). */
export function ablateLayers(run: NeuronsRun): AblateLayer[] {
  return run.layers.map((l) => ({ id: l.id, tensor: l.tensor, kind: l.kind, channels: l.channels, ...(l.layout ? { layout: l.layout } : {}) }));
}

/**
 * Accumulates, over `sample`, every analysed neuron's logit changes when zeroed alone; images that
 * can no longer be read are left out with a warning (`used` lists the others).
 */
export async function measureAblation(run: NeuronsRun, ablator: Ablator, sample: readonly number[], hooks: NeuronsHooks = {}): Promise<{ sums: Map<string, EffectSums>; used: number[] }> {
  const rows: MaskRow[] = [{ neurons: [] }];
  for (const layer of run.layers) for (let c = 0; c < layer.channels; c++) rows.push({ neurons: [{ layer: layer.id, channel: c }], factor: 0 });
  const prep = run.prep;
  const dims = prep.layout === 'NHWC' ? [1, prep.height, prep.width, prep.channels] : [1, prep.channels, prep.height, prep.width];
  const out = new Map<string, EffectSums>();
  hooks.onProgress?.({ phase: 'effects-ablation', done: 0, total: sample.length });
  const used: number[] = [];
  for (const [done, index] of sample.entries()) {
    const path = run.images[index]!.path;
    const decoded = await decodeImage(join(run.manifest.images.root, path), prep).catch(() => undefined);
    if (!decoded) {
      hooks.onWarning?.(neuronMessages.effectsImageUnreadable(path));
      continue;
    }
    used.push(index);
    const logits = await ablator.run({ data: decoded.data, dims }, rows);
    const base = logits[0]!;
    let row = 1;
    for (const layer of run.layers) {
      let sums = out.get(layer.id);
      if (!sums) out.set(layer.id, (sums = { channels: layer.channels, classes: base.length, n: 0, sum: new Float64Array(layer.channels * base.length), sq: new Float64Array(layer.channels * base.length) }));
      for (let c = 0; c < layer.channels; c++, row++) {
        const ablated = logits[row]!;
        for (let k = 0; k < base.length; k++) {
          const d = ablated[k]! - base[k]!;
          sums.sum[c * base.length + k]! += d;
          sums.sq[c * base.length + k]! += d * d;
        }
      }
      sums.n++;
    }
    hooks.onProgress?.({ phase: 'effects-ablation', done: done + 1, total: sample.length });
  }
  return { sums: out, used };
}

/** The t with P(|T| ≥ t) = p for `df` degrees of freedom (bisection on the exact tail). */
export function tCritical(p: number, df: number): number {
  let lo = 0;
  let hi = 1;
  while (studentTwoSided(hi, df) > p) hi *= 2;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (studentTwoSided(mid, df) > p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Each neuron's `top` classes that rise and fall most, with simultaneous (1 − alpha) intervals over
 * the classes. Needs at least 2 images.
 */
export function summarizeAblation(sums: EffectSums, names: readonly string[] | undefined, top: number, alpha: number): NeuronAblation[] {
  const { n, classes: K } = sums;
  const t = tCritical(alpha / K, n - 1);
  return Array.from({ length: sums.channels }, (_, c) => {
    const effects: ClassEffect[] = [];
    let largest = 0;
    for (let k = 0; k < K; k++) {
      const mean = sums.sum[c * K + k]! / n;
      const variance = Math.max(0, (sums.sq[c * K + k]! - n * mean * mean) / (n - 1));
      const half = t * Math.sqrt(variance / n);
      largest = Math.max(largest, Math.abs(mean));
      effects.push({ class: k, name: names?.[k] ?? null, mean, ci: [mean - half, mean + half], significant: mean - half > 0 || mean + half < 0 });
    }
    const up = effects.filter((e) => e.mean > 0).sort((a, b) => b.mean - a.mean || a.class - b.class).slice(0, top);
    const down = effects.filter((e) => e.mean < 0).sort((a, b) => a.mean - b.mean || a.class - b.class).slice(0, top);
    return { up, down, largest };
  });
}

/** Median and 90th percentile (nearest rank) of the neurons' largest effects. */
export function layerSpread(ablations: readonly NeuronAblation[]): { median: number; q90: number } {
  const values = ablations.map((a) => a.largest).sort((a, b) => a - b);
  const at = (q: number) => values[Math.min(values.length - 1, Math.max(0, Math.ceil(q * values.length) - 1))] ?? 0;
  return { median: at(0.5), q90: at(0.9) };
}

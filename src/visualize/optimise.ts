/**
 * Optimises one batch of visualisations, one batch row per neuron of one layer: every step
 * synthesises each row's image from its parameters (./spectral.ts), draws and applies a random
 * warp (./transform.ts), normalises it as the model's preprocessing does, runs the gradient graph
 * once for the whole batch (the seed of row r is neuron r's mean over positions), carries the
 * input gradient back through the same chain and takes an Adam step up it. Each neuron draws from
 * its own seeded stream, so its result does not depend on which neurons share its batch.
 * With the diversity term, several rows hold copies of one neuron (each with its own stream) and
 * their seeds also carry −λ × the gradient of the group's Gram similarity (see diversityStep).
 */
import { addNeuronSeed } from '../attribution/gradients.js';
import type { GradientModel } from '../grad/model.js';
import type { Preprocessing } from '../images/types.js';
import type { LayerRecord } from '../record/types.js';
import type { TensorLike } from '../runtime/types.js';
import { Random } from '../util/random.js';
import { Adam } from './adam.js';
import { addToRow, diversityLoss, rowMatrix } from './diversity.js';
import { adjoint, createSpectral, synthesise, type Spectral } from './spectral.js';
import { applyWarp, drawWarp, warpAdjoint, warpTaps, type Robustness } from './transform.js';

export interface OptimiseSettings {
  steps: number;
  rate: number;
  seed: number;
  robustness: Robustness;
  /** Standard deviation of the initial spectrum coefficients. */
  initStd: number;
  /** λ of the diversity term (./diversity.ts) for rows that share a neuron; 0 or absent: none. */
  diversityWeight?: number;
}

/** What a batch needs besides its neurons: the graph, its input, the layer and the preprocessing. */
export interface BatchContext {
  model: GradientModel;
  /** The same graph with redirected ReLUs (./redirected-relu.ts), for rows whose true gradient is all zero. */
  redirected?: GradientModel;
  inputName: string;
  layer: LayerRecord;
  prep: Preprocessing;
  /** Called after each step with the batch's mean objective. */
  onStep?: (step: number, objective: number) => void;
}

/** The per-neuron random stream: FNV-1a of seed, layer and channel. */
export function neuronSeed(seed: number, layer: string, channel: number): number {
  let h = 0x811c9dc5;
  for (const ch of `${seed}\u0000${layer}\u0000${channel}`) h = Math.imul(h ^ ch.codePointAt(0)!, 0x01000193) >>> 0;
  return h;
}

/** The seed tensor of a batch: row r holds neuron `channels[r]`'s mean-over-positions weights. */
export function batchSeed(layer: LayerRecord, dims: readonly (number | string)[], channels: readonly number[]): TensorLike {
  const full = dims.map((d, i) => (i === 0 ? channels.length : (d as number)));
  const per = full.slice(1).reduce((a, b) => a * b, 1);
  const data = new Float32Array(channels.length * per);
  channels.forEach((channel, r) => addNeuronSeed(data, r * per, full, { channel, layer }));
  return { data, dims: full };
}

/** Per row, ⟨seed row, value row⟩: each neuron's mean activation. */
export function rowObjectives(seed: TensorLike, value: TensorLike, rows: number): Float64Array {
  const s = seed.data as Float32Array;
  const v = value.data as Float32Array;
  const per = v.length / rows;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) for (let i = 0; i < per; i++) out[r]! += s[r * per + i]! * v[r * per + i]!;
  return out;
}

/** Writes planar [0,1] images, normalised and laid out as the model wants, into one batch tensor. */
export function toInput(prep: Preprocessing, images: readonly Float64Array[]): TensorLike {
  const { height: h, width: w, channels: c } = prep;
  const n = h * w;
  const data = new Float32Array(images.length * c * n);
  images.forEach((img, r) => {
    for (let ch = 0; ch < c; ch++) {
      for (let p = 0; p < n; p++) {
        const value = (img[ch * n + p]! - prep.mean[ch]!) / prep.std[ch]!;
        data[r * c * n + (prep.layout === 'NCHW' ? ch * n + p : p * c + ch)] = value;
      }
    }
  });
  const dims = prep.layout === 'NCHW' ? [images.length, c, h, w] : [images.length, h, w, c];
  return { data, dims };
}

/** Row r of an input gradient, back to planar [0,1]-image units (the normalisation's transpose). */
function fromInputGrad(prep: Preprocessing, grad: Float32Array, r: number): Float64Array {
  const { height: h, width: w, channels: c } = prep;
  const n = h * w;
  const out = new Float64Array(c * n);
  for (let ch = 0; ch < c; ch++) {
    for (let p = 0; p < n; p++) out[ch * n + p] = grad[r * c * n + (prep.layout === 'NCHW' ? ch * n + p : p * c + ch)]! / prep.std[ch]!;
  }
  return out;
}

/** The batch's mean activations for the images as given (no warp, no gradient step), and the layer's values. */
export async function measure(ctx: BatchContext, channels: readonly number[], images: readonly Float64Array[]): Promise<{ objectives: Float64Array; values: TensorLike }> {
  const seed = batchSeed(ctx.layer, ctx.model.targetDims[0]!, channels);
  const result = await ctx.model.run({ [ctx.inputName]: toInput(ctx.prep, images) }, [{ data: (seed.data as Float32Array).slice(), dims: seed.dims }]);
  return { objectives: rowObjectives(seed, result.targets[0]!, channels.length), values: result.targets[0]! };
}

/** The rows of a batch grouped by neuron (rows holding copies of one neuron), groups of two or more only. */
function groupsOf(channels: readonly number[]): number[][] {
  const groups = new Map<number, number[]>();
  channels.forEach((c, r) => groups.set(c, [...(groups.get(c) ?? []), r]));
  return [...groups.values()].filter((g) => g.length > 1);
}

/**
 * Adds −λ × d(mean pairwise Gram cosine)/d(activations) of every group to its rows of `seed`. The
 * seed is d(objective)/d(layer activations), so the graph carries the added term back to the input
 * by the chain rule with no new graph. The activations are those of the previous step (the seed is
 * fed in the same run that computes this step's): a one-step lag, while images move little per step.
 */
export function diversityStep(ctx: BatchContext, groups: readonly number[][], previous: TensorLike, seed: Float32Array, weight: number): void {
  const dims = previous.dims as number[];
  const data = previous.data as Float32Array;
  for (const group of groups) {
    const { grads } = diversityLoss(group.map((r) => rowMatrix(data, dims, ctx.layer.layout, r)));
    group.forEach((r, m) => addToRow(seed, dims, ctx.layer.layout, r, grads[m]!, -weight));
  }
}

/**
 * Optimises the rows `channels` (neurons of ctx.layer; a neuron may repeat, `copies[r]` numbering
 * its copies) and returns each row's final image, planar in [0, 1]. Copy k of a neuron draws from
 * the neuron's stream seed + k, so copy 0 is the same image as without the diversity term's copies.
 */
export async function optimiseBatch(ctx: BatchContext, channels: readonly number[], settings: OptimiseSettings, copies?: readonly number[]): Promise<Float64Array[]> {
  const { prep } = ctx;
  const sp: Spectral = createSpectral(prep.height, prep.width, prep.channels);
  const randoms = channels.map((c, r) => new Random((neuronSeed(settings.seed, ctx.layer.id, c) + (copies?.[r] ?? 0)) >>> 0));
  const params = randoms.map((random) => Float64Array.from(random.normalArray(sp.size, settings.initStd)));
  const optimisers = channels.map(() => new Adam(sp.size, settings.rate));
  const seed = batchSeed(ctx.layer, ctx.model.targetDims[0]!, channels);
  const groups = (settings.diversityWeight ?? 0) > 0 ? groupsOf(channels) : [];
  let previous: TensorLike | undefined;
  for (let step = 0; step < settings.steps; step++) {
    const images = params.map((p) => synthesise(sp, p));
    const taps = randoms.map((random) => warpTaps(prep.height, prep.width, drawWarp(random, settings.robustness)));
    const warped = images.map((img, r) => applyWarp(taps[r]!, img, prep.channels));
    const rowSeeds = (seed.data as Float32Array).slice();
    if (previous && groups.length > 0) diversityStep(ctx, groups, previous, rowSeeds, settings.diversityWeight!);
    const result = await ctx.model.run({ [ctx.inputName]: toInput(prep, warped) }, [{ data: rowSeeds, dims: seed.dims }]);
    previous = result.targets[0];
    const grad = result.grads[ctx.inputName]!.data as Float32Array;
    if (ctx.redirected) await redirectStuck(ctx, ctx.redirected, channels, warped, grad);
    channels.forEach((_, r) => {
      const gImage = warpAdjoint(taps[r]!, fromInputGrad(prep, grad, r), prep.channels);
      optimisers[r]!.ascend(params[r]!, adjoint(sp, images[r]!, gImage));
    });
    if (ctx.onStep) {
      const objectives = rowObjectives(seed, result.targets[0]!, channels.length);
      ctx.onStep(step + 1, objectives.reduce((a, b) => a + b, 0) / channels.length);
    }
  }
  return params.map((p) => synthesise(sp, p));
}

/**
 * Rows whose true input gradient is exactly zero (their neuron is off at every position, so no
 * gradient flows) get the redirected graph's gradient instead, written into `grad` in place.
 */
async function redirectStuck(ctx: BatchContext, redirected: GradientModel, channels: readonly number[], warped: readonly Float64Array[], grad: Float32Array): Promise<void> {
  const per = grad.length / channels.length;
  const stuck = channels.map((_, r) => r).filter((r) => grad.subarray(r * per, (r + 1) * per).every((g) => g === 0));
  if (stuck.length === 0) return;
  const seed = batchSeed(ctx.layer, redirected.targetDims[0]!, stuck.map((r) => channels[r]!));
  const result = await redirected.run({ [ctx.inputName]: toInput(ctx.prep, stuck.map((r) => warped[r]!)) }, [seed]);
  const fresh = result.grads[ctx.inputName]!.data as Float32Array;
  stuck.forEach((r, i) => grad.set(fresh.subarray(i * per, (i + 1) * per), r * per));
}

/** An image rounded to 8 bits per channel (what the PNG holds), as interleaved bytes and planar [0,1]. */
export function quantise(image: Float64Array, channels: number): { bytes: Uint8Array; planar: Float64Array } {
  const n = image.length / channels;
  const bytes = new Uint8Array(image.length);
  const planar = new Float64Array(image.length);
  for (let c = 0; c < channels; c++) {
    for (let p = 0; p < n; p++) {
      const b = Math.min(255, Math.max(0, Math.round(image[c * n + p]! * 255)));
      bytes[p * channels + c] = b;
      planar[c * n + p] = b / 255;
    }
  }
  return { bytes, planar };
}

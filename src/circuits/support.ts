/**
 * The support gate of circuit discovery: in the gated layers, a neuron may start a circuit or be
 * an edge's target only if it supports the query's prediction — zeroing it alone, at every
 * position (as `circuits eval` ablates it), lowers the predicted class's logit.
 *
 * Why token layers are gated by default: Granular Concept Circuits choose neurons by how strongly
 * the query activates them (T1/T10) and how much they drive each other (sensitivity), never by
 * what they do to the output. In a CNN whose ReLU channels are average-pooled into the head that
 * is close enough: a strongly active channel mostly pushes its class up, and the circuits pass the
 * ablation check. A token model's MLP unit writes into the residual stream through a signed
 * projection, so how strongly it fires says nothing about the sign of its effect: on the demo ViT
 * the Spearman correlation between a unit's activation on the query (class token, mean or top10
 * over tokens) and the predicted logit's drop when the unit is zeroed lies between −0.18 and 0.05
 * in every block, and about half of the units raise the logit when zeroed. Activation-only
 * circuits there hold as many neurons working against the prediction as for it, and ablating them
 * moves the logit hardly more than ablating random units.
 *
 * Cost: one batch row of the full model per neuron with the query in its T10 in a gated layer
 * (≈ 10 % of those layers' neurons), plus the unablated row, per query.
 */
import { NeurolensError } from '../errors.js';
import { circuitMessages } from '../messages/circuits.js';
import type { MaskRow } from '../maps/ablate.js';
import type { TensorLike } from '../runtime/types.js';
import type { NeuronRef } from './types.js';

/** Which layers are gated: token layers only (default), every layer, or none (plain GCC). */
export type SupportGate = 'tokens' | 'all' | 'none';

export const SUPPORT_GATES: readonly SupportGate[] = ['tokens', 'all', 'none'];

/** The gate of an option value (throws a usage error naming the choices). */
export function parseSupportGate(value: string): SupportGate {
  const v = value.trim();
  if ((SUPPORT_GATES as readonly string[]).includes(v)) return v as SupportGate;
  throw new NeurolensError('usage', circuitMessages.badSupport(value));
}

/** Per layer, whether `gate` applies to it (layers as the run manifest describes them). */
export function gatedLayers(layers: readonly { kind: string }[], gate: SupportGate): boolean[] {
  return layers.map((l) => gate === 'all' || (gate === 'tokens' && l.kind === 'tokens'));
}

/** What a result records about the gate. */
export interface SupportSummary {
  gate: SupportGate;
  /** Ids of the gated layers (empty: nothing was gated). */
  layers: string[];
  /** Neurons tested: those with the query in their T10 in a gated layer. */
  tested: number;
  /** Of those, the ones whose ablation lowers the predicted logit. */
  supporting: number;
}

/**
 * The predicted logit's drop (original − ablated) when each neuron is zeroed alone on `image`;
 * `run` returns the model's first output per row (an Ablator's run).
 */
export async function supportDrops(
  run: (image: TensorLike, rows: MaskRow[]) => Promise<Float32Array[]>,
  image: TensorLike,
  neurons: readonly NeuronRef[],
  cls: number,
): Promise<Float64Array> {
  if (neurons.length === 0) return new Float64Array(0);
  const logits = await run(image, [{ neurons: [] }, ...neurons.map((n) => ({ neurons: [n], factor: 0 }))]);
  const original = logits[0]![cls]!;
  return Float64Array.from(neurons, (_, i) => original - logits[i + 1]![cls]!);
}

/** Per layer: channel → drop of the tested neurons (what the expansion consults). */
export class SupportTable {
  private constructor(
    private readonly gated: readonly boolean[],
    private readonly drops: readonly Map<number, number>[],
    readonly summary: SupportSummary,
  ) {}

  /**
   * Tests every neuron of a gated layer for which `candidate(layer, channel)` holds (the query in
   * its T10: every neuron that could become a root or a target) in one ablation request.
   */
  static async measure(
    layers: readonly { id: string; kind: string; channels: number }[],
    gate: SupportGate,
    candidate: (layer: number, channel: number) => boolean,
    measure: (neurons: NeuronRef[]) => Promise<Float64Array>,
  ): Promise<SupportTable> {
    const gated = gatedLayers(layers, gate);
    const tested: { l: number; c: number }[] = [];
    layers.forEach((layer, l) => {
      if (gated[l]) for (let c = 0; c < layer.channels; c++) if (candidate(l, c)) tested.push({ l, c });
    });
    const values = await measure(tested.map(({ l, c }) => ({ layer: layers[l]!.id, channel: c })));
    const drops = layers.map(() => new Map<number, number>());
    tested.forEach(({ l, c }, i) => drops[l]!.set(c, values[i]!));
    const supporting = [...values].filter((d) => d > 0).length;
    return new SupportTable(gated, drops, { gate, layers: layers.filter((_, l) => gated[l]).map((l) => l.id), tested: tested.length, supporting });
  }

  /** Whether a neuron may enter a circuit: ungated layers admit every neuron, gated ones those whose ablation lowers the logit. */
  admits(layer: number, channel: number): boolean {
    if (!this.gated[layer]) return true;
    const drop = this.drops[layer]!.get(channel);
    return drop !== undefined && drop > 0;
  }

  /** The measured drop of a tested neuron (undefined outside the gated layers or untested). */
  drop(layer: number, channel: number): number | undefined {
    return this.drops[layer]?.get(channel);
  }
}

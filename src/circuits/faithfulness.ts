/**
 * Circuits checked one by one: every circuit of a query is ablated ALONE and compared with random
 * neuron sets of the same per-layer size (faithfulness), and kept ALONE in its layers — every other
 * channel of the layers it touches ablated — against random kept subsets of the same size
 * (completeness). Both under a stated ablation protocol: zero (×0) or mean (the neuron's dataset
 * mean from the run's `mean` pooling). Union-only checks hide a circuit that does nothing behind
 * one that does everything; these numbers are what ranks circuits and what diagnoses cite.
 *
 * Confidence intervals are percentile bootstraps over QUERIES (a query's circuits are resampled
 * together, since they share neurons and an image), seeded, so eval.json is reproducible.
 */
import { Random } from '../util/random.js';
import type { MaskRow } from '../maps/ablate.js';
import { layerPosition, type CircuitResultLike } from './common.js';
import type { AblationMode, CircuitCheck, Interval, MeanSd, PerCircuitSummary, RandomCheck } from './formats.js';
import type { NeuronRef } from './types.js';
import { judgeAgainstDraws, judgeCheck } from './verdict.js';

/** One circuit's ablation sets (see CIRCUIT_PROTOCOL). */
export interface CircuitPlan {
  id: string | number;
  /** Seed of the circuit's draws (circuitSeed); its bootstrap uses a seed derived from it. */
  seed: number;
  nodes: NeuronRef[];
  perLayer: Record<string, number>;
  /** Random sets of the circuit's per-layer sizes, one per draw. */
  random: NeuronRef[][];
  /** The channels ablated to keep only the circuit in its layers. */
  keep: NeuronRef[];
  /** The same for each random set. */
  keepRandom: NeuronRef[][];
  /** Every channel of the circuit's layers (the floor of completeness). */
  all: NeuronRef[];
}

export const CIRCUIT_PROTOCOL: readonly string[] = [
  'Per circuit: its nodes ablated alone; random: per layer, as many channels drawn uniformly without replacement from all the layer\'s channels, `draws` draws (mulberry32 seeded with a mix of querySeed(seed, image index) and the circuit\'s position).',
  'Completeness: keep only the circuit\'s nodes in the layers it touches (every other channel of those layers ablated): logit_keep. floor: every channel of those layers ablated. retained = (logit_keep − floor) / (original − floor), the share of the predicted logit that the kept circuit restores (1: all of it; 0: no better than nothing kept); null (left out of the summary) when original − floor < 0.1·|original|, i.e. when the whole layers barely carry the logit. random: keep each random set instead.',
  'zero ablation: the channels multiplied by 0 at every position. mean ablation: replaced at every position by the neuron\'s dataset mean (column mean of the run\'s mean pooling: mean over images of each image\'s mean over positions).',
  'Circuits are ranked by their drop of the predicted logit under the primary ablation (descending; ties: discovery order).',
  'Per circuit and query: random interval = percentile bootstrap of the mean over its draws; difference = drop − random mean and ratio = drop / random mean, their intervals from the random interval\'s ends.',
  'Summary: per query, the mean over its circuits; then mean and sample sd over queries with circuits. difference = circuit drop − random drop per query (paired). ratio = mean circuit drop / mean random drop. 95 % intervals: percentile bootstrap over queries (`resamples` resamples, mulberry32 seeded with `seed`).',
  'Verdict (each circuit, the per-circuit summary and the union): when the random drop\'s interval lies above 0, by the ratio (pass: its interval above 1); when it reaches 0 or below, the ratio is null (n/a, a quotient of noise) and the verdict is by the difference (pass: its interval above 0).',
];

/** Completeness is defined only when ablating the circuit's whole layers lowers the logit by at least this share of |original|. */
export const MIN_FLOOR_GAP = 0.1;

/** Resamples of the bootstrap intervals. */
export const BOOTSTRAP_RESAMPLES = 1000;

const mean = (xs: readonly number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
const sd = (xs: readonly number[]): number => {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
};

/** Partial Fisher-Yates: `n` items of `pool` in draw order. */
export function pick(rng: Random, pool: readonly number[], n: number): number[] {
  const items = [...pool];
  const take = Math.min(n, items.length);
  for (let i = 0; i < take; i++) {
    const j = i + rng.int(items.length - i);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items.slice(0, take);
}

/** The per-query seed of the draws: a fixed mix of the run seed and the image index. */
export function querySeed(seed: number, index: number): number {
  return (Math.imul((seed ^ 0x5bd1e995) >>> 0, 0x9e3779b1) + Math.imul(index + 1, 0x85ebca6b)) >>> 0;
}

/** The seed of one circuit's draws (distinct from the union draws' stream). */
export function circuitSeed(querySeedValue: number, position: number): number {
  return (Math.imul(querySeedValue ^ 0x27d4eb2f, 0x165667b1) + Math.imul(position + 1, 0x9e3779b1)) >>> 0;
}

/** Ablation sets of every circuit of a query; `seed` is the query's seed (eval.ts querySeed). */
export function planCircuits(result: CircuitResultLike, options: { seed: number; draws: number }): CircuitPlan[] {
  const layers = result.layers;
  return result.circuits.map((circuit, position) => {
    const byLayer = new Map<number, Set<number>>();
    for (const node of circuit.nodes) {
      const l = layerPosition(layers, node.layer);
      if (!byLayer.has(l)) byLayer.set(l, new Set());
      byLayer.get(l)!.add(node.channel);
    }
    const touched = [...byLayer.keys()].sort((a, b) => a - b);
    const nodes = touched.flatMap((l) => [...byLayer.get(l)!].sort((a, b) => a - b).map((channel) => ({ layer: layers[l]!.id, channel })));
    const rest = (l: number, kept: ReadonlySet<number>) => Array.from({ length: layers[l]!.channels }, (_, c) => c).filter((c) => !kept.has(c)).map((channel) => ({ layer: layers[l]!.id, channel }));
    const seed = circuitSeed(options.seed, position);
    const rng = new Random(seed);
    const draws = Array.from({ length: options.draws }, () => touched.map((l) => ({ l, channels: pick(rng, Array.from({ length: layers[l]!.channels }, (_, c) => c), byLayer.get(l)!.size) })));
    return {
      id: circuit.id,
      seed,
      nodes,
      perLayer: Object.fromEntries(touched.map((l) => [layers[l]!.id, byLayer.get(l)!.size])),
      random: draws.map((d) => d.flatMap(({ l, channels }) => channels.map((channel) => ({ layer: layers[l]!.id, channel })))),
      keep: touched.flatMap((l) => rest(l, byLayer.get(l)!)),
      keepRandom: draws.map((d) => d.flatMap(({ l, channels }) => rest(l, new Set(channels)))),
      all: touched.flatMap((l) => rest(l, new Set())),
    };
  });
}

/** The rows of every circuit's checks under one ablation mode, in a fixed order (see readCircuitChecks). */
export function circuitRows(plans: readonly CircuitPlan[], mode: AblationMode): MaskRow[] {
  const row = (neurons: NeuronRef[]): MaskRow => (mode === 'mean' ? { neurons, mean: true } : { neurons, factor: 0 });
  return plans.flatMap((p) => [row(p.nodes), ...p.random.map(row), row(p.keep), ...p.keepRandom.map(row), row(p.all)]);
}

/** Number of rows circuitRows gives per circuit. */
export const rowsPerCircuit = (draws: number): number => 3 + 2 * draws;

/**
 * The checks of every circuit from its rows' logits (`logits[0]` is the unablated row; the circuit
 * rows start at `start`), ranked by drop descending (ties: discovery order).
 */
export function readCircuitChecks(plans: readonly CircuitPlan[], logits: readonly Float32Array[], start: number, cls: number): CircuitCheck[] {
  const original = logits[0]![cls]!;
  const at = (row: number) => logits[row]![cls]!;
  const checks = plans.map((p, i) => {
    const D = p.random.length;
    const base = start + i * rowsPerCircuit(D);
    const floor = at(base + 2 + 2 * D);
    // Share of the way from the floor (whole layers ablated) back to the original logit; undefined
    // when ablating the whole layers barely lowers the logit (skip connections), where the ratio
    // would divide by noise.
    const defined = original - floor >= MIN_FLOOR_GAP * Math.abs(original);
    const share = (x: number) => (x - floor) / (original - floor);
    const randomDrops = Array.from({ length: D }, (_, d) => original - at(base + 1 + d));
    const drop = original - at(base);
    const keptRandom = defined ? Array.from({ length: D }, (_, d) => share(at(base + 2 + D + d))) : [];
    return {
      id: p.id,
      neurons: p.nodes.length,
      perLayer: p.perLayer,
      drop,
      ...randomCheck(drop, randomDrops, p.seed),
      completeness: { logit: at(base + 1 + D), floor, retained: defined ? share(at(base + 1 + D)) : null, random: { mean: mean(keptRandom), sd: sd(keptRandom), values: keptRandom } },
      order: i,
    };
  });
  return checks.sort((a, b) => b.drop - a.drop || a.order - b.order).map(({ order: _order, ...c }, r) => ({ rank: r + 1, ...c }));
}

/**
 * A circuit's drop against the drops of its random draws (`seed`: the circuit's draw seed, from
 * which the bootstrap's own seed is derived).
 */
export function randomCheck(drop: number, randomDrops: number[], seed: number): RandomCheck {
  const random = { ...meanWithInterval(randomDrops, (seed ^ 0x2545f491) >>> 0), values: randomDrops };
  return { random, ...judgeAgainstDraws(drop, random) };
}

/** Percentile bootstrap interval of `statistic` over resampled rows (seeded; NaN-free input). */
export function bootstrapInterval<T>(rows: readonly T[], statistic: (sample: readonly T[]) => number, seed: number, resamples = BOOTSTRAP_RESAMPLES): Interval {
  if (rows.length === 0) return [0, 0];
  const rng = new Random(seed);
  const values = new Float64Array(resamples);
  const sample = new Array<T>(rows.length);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < rows.length; i++) sample[i] = rows[rng.int(rows.length)]!;
    values[b] = statistic(sample);
  }
  const sorted = [...values].filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return [Number.NaN, Number.NaN];
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(p * (sorted.length - 1))))]!;
  return [q(0.025), q(0.975)];
}

/** Mean, sd and bootstrap interval of the mean of per-query values. */
export function meanWithInterval(values: readonly number[], seed: number): MeanSd & { ci: Interval } {
  return { mean: mean(values), sd: sd(values), ci: bootstrapInterval(values, mean, seed) };
}

/** The ratio mean(a) / mean(b) over paired per-query values, with its bootstrap interval. */
export function ratioWithInterval(pairs: readonly (readonly [number, number])[], seed: number): { value: number; ci: Interval } {
  const ratio = (s: readonly (readonly [number, number])[]) => mean(s.map((p) => p[0])) / mean(s.map((p) => p[1]));
  return { value: pairs.length === 0 ? 0 : ratio(pairs), ci: bootstrapInterval(pairs, ratio, seed) };
}

/** The per-circuit summary over queries (each query's circuits averaged first). */
export function summariseCircuits(perQuery: readonly CircuitCheck[][], seed: number): PerCircuitSummary {
  const queries = perQuery.filter((c) => c.length > 0);
  const drop = queries.map((cs) => mean(cs.map((c) => c.drop)));
  const random = queries.map((cs) => mean(cs.map((c) => c.random.mean)));
  const complete = queries.map((cs) => cs.filter((c) => c.completeness.retained !== null)).filter((cs) => cs.length > 0);
  const retained = complete.map((cs) => mean(cs.map((c) => c.completeness.retained!)));
  const retainedRandom = complete.map((cs) => mean(cs.map((c) => c.completeness.random.mean)));
  const all = queries.flat();
  const randomDrop = meanWithInterval(random, seed + 1);
  const difference = meanWithInterval(drop.map((d, i) => d - random[i]!), seed + 5);
  return {
    queries: queries.length,
    circuits: all.length,
    drop: meanWithInterval(drop, seed),
    random: randomDrop,
    difference,
    ...judgeCheck(randomDrop.ci, ratioWithInterval(drop.map((d, i) => [d, random[i]!] as const), seed + 2), difference.ci),
    beatsRandom: all.length === 0 ? 0 : all.filter((c) => c.drop > c.random.mean).length / all.length,
    passes: all.length === 0 ? 0 : all.filter((c) => c.verdict.pass).length / all.length,
    completeness: { circuits: complete.flat().length, retained: meanWithInterval(retained, seed + 3), random: meanWithInterval(retainedRandom, seed + 4) },
  };
}

/**
 * Circuit verification (issue 5): does zeroing a query's circuits lower the predicted class's logit
 * more than zeroing as many random neurons? Per query, one batch through one instrumented model
 * (src/maps/ablate.ts) holds every ablation row; the protocol below is written into the result verbatim.
 */
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { NeurolensError } from '../errors.js';
import { circuitMessages } from '../messages/circuits.js';
import { stableJson, writeFileAtomic } from '../store/atomic.js';
import { Random } from '../util/random.js';
import { openRunAblation, type MaskRow, type QueryRef } from '../maps/ablate.js';
import type { CircuitResultLike } from './common.js';
import { curveAuc, planQuery, type QueryPlan } from './eval-plan.js';
import type { AblationMode, CircuitCheck, CircuitsEvalFile, CircuitsEvalQuery, ClassLogits, ClassSummary, ModeSummary } from './formats.js';
import { BOOTSTRAP_RESAMPLES, CIRCUIT_PROTOCOL, circuitRows, meanWithInterval, planCircuits, querySeed, ratioWithInterval, readCircuitChecks, summariseCircuits, type CircuitPlan } from './faithfulness.js';
import { judgeCheck } from './verdict.js';
import { readLabels } from './labels.js';
import type { NeuronRef } from './types.js';
import { withRunLock } from '../store/lock.js';
import { CIRCUITS_DEFAULTS } from './defaults.js';
import type { SupportGate } from './support.js';

/** The CircuitFinder surface eval and diagnose use (discover.ts implements it). */
export interface FinderLike {
  find(query: QueryRef): Promise<CircuitResultLike>;
  close(): Promise<void>;
}

export interface FinderOptions {
  percentile: number;
  support?: SupportGate;
  batch: number;
  threads?: number;
  /** Execution provider of every session this opens: 'cpu' (default) or 'cuda' (see SessionOptions). */
  executionProvider?: 'cpu' | 'cuda';
  layers?: string[];
}

/** Creates a finder for a run (the default opens discover.ts' CircuitFinder). */
export type FinderFactory = (runDir: string, options: FinderOptions) => Promise<FinderLike>;

export const defaultFinder: FinderFactory = async (runDir, options) => {
  const { CircuitFinder } = await import('./discover.js');
  return CircuitFinder.create(runDir, options);
};

export interface EvalOptions {
  /** A finished run folder (recorded with top10 pooling). */
  run: string;
  /** How many queries (a seeded sample of the run's images; default 100, capped at the run's size) or an explicit list of image indices. */
  queries?: number | readonly number[];
  /** CSV (path,label) or JSONL ({"path","label"}) of true classes: label is a class name or index; path relative to the run's image root. */
  labels?: string;
  /** Percentile of the circuit discovery's sensitivity cut. Default 90. */
  percentile?: number;
  /** Seed of the query sample and of the random/outside draws. Default 0. */
  seed?: number;
  /** Random and outside draws per query. Default 10. */
  draws?: number;
  /** Points of the deletion/insertion curves after k = 0 (at most K). Default 10. */
  steps?: number;
  /** Rows per model run (ablation and discovery). Default 32. */
  batch?: number;
  /** onnxruntime intra-op threads. */
  threads?: number;
  /** Execution provider of every session this opens: 'cpu' (default) or 'cuda' (see SessionOptions). */
  executionProvider?: 'cpu' | 'cuda';
  /** Analysis layers for discovery (default: the finder's default). */
  layers?: string[];
  /** The discovery's support gate (support.ts). Default 'tokens'. */
  support?: SupportGate;
  /**
   * Ablation protocol: `zero` (×0), `mean` (the neuron's dataset mean from the run's mean pooling)
   * or `both` (zero first — the primary numbers, matching discovery, which scores edges by zeroing —
   * and mean as `alternate`). Default `both`.
   */
  ablation?: AblationOption;
  /** Where to write the result. Default RUN/circuits/eval.json. */
  out?: string;
  /** Finder factory (tests pass a fake). Default: discover.ts' CircuitFinder. */
  finder?: FinderFactory;
}

/** The `--ablation` choice. */
export type AblationOption = AblationMode | 'both';

/** The modes an ablation option measures, primary first. */
export function ablationModes(option: AblationOption): AblationMode[] {
  if (option === 'both') return ['zero', 'mean'];
  if (option === 'zero' || option === 'mean') return [option];
  throw new NeurolensError('usage', circuitMessages.badAblation(String(option)));
}

export { readLabels };

export interface EvalHooks {
  onProgress?: (progress: { done: number; total: number }) => void;
  /** Stops before the next query (a worker cancelling a job). */
  signal?: AbortSignal;
}

/** The protocol, as written into eval.json (`protocol.text`) and the README. */
export const EVAL_PROTOCOL: readonly string[] = [
  'Queries: N images drawn without replacement from the run (mulberry32 seeded with `seed`, Fisher-Yates shuffle of 0..images-1, first N, sorted ascending), or the indices given.',
  'Circuits: CircuitFinder.find({index}) at `percentile` under the support gate `support` (tokens: in token layers a neuron enters a circuit only if zeroing it alone lowers the predicted logit; all: every layer; none: activation-based GCC); U = union of the nodes of all the query\'s circuits; n_l = |U ∩ layer l|.',
  'Logit: the model\'s first output (pre-softmax as exported) for the predicted class (top-1 of the unablated model, as the finder reports it) and, with labels, for the true class.',
  'Ablation (each mode of protocol.ablation.modes; the first is primary): zero = mask 0, mean = mask 0 plus a patch of the neuron\'s dataset mean, on the chosen channels at every position of their layer (all H×W of a feature map, every token incl. class tokens of a token tensor) via interventions T\' = T ⊙ M in ONE instrumented model; all rows of a query run as rows of one batch (identical rows once).',
  'circuit: all of U zeroed. random: per layer, n_l channels drawn uniformly without replacement from all C_l channels (may overlap U). outside: per layer, n_l channels drawn from the C_l − n_l channels not in U (the whole complement when it is smaller; outsideShort marks it). `draws` draws each, reported as mean ± sample sd (n − 1).',
  'Draw seeds: per query, mulberry32 seeded with querySeed(seed, image index); random draws 1..D (layers in order, partial Fisher-Yates), then outside draws 1..D, from that one stream.',
  'Drop = original logit − ablated logit (positive: the logit fell).',
  'Curves: the union of the circuits\' edges (deduplicated by endpoints) ranked by sensitivity descending (ties: source layer, source channel, target layer, target channel ascending); K = number of edges. Neuron order: walking the ranked edges, each edge\'s source then target, first occurrence only (this covers U).',
  'deletion(k): zero the neurons of the top-k edges. insertion(k): start from U zeroed and restore the neurons of the top-k edges (zero U minus them). deletion(0) = insertion(K) = original, deletion(K) = insertion(0) = circuit.',
  'k grid: 0..K when K ≤ steps, else round(j·K/steps) for j = 0..steps. AUC: trapezoid of the logit over x = k/K in [0, 1] (normalised by K; logit units). Lower deletion AUC and higher insertion AUC mean the ranked edges matter.',
  'Summary: over queries with at least one circuit; per measure, mean and sample sd across queries of the per-query values (random/outside: the per-query mean over draws). circuitBeatsRandom = share of queries whose circuit drop exceeds their mean random drop.',
];

const mean = (xs: readonly number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
const sd = (xs: readonly number[]): number => {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
};
const stat = (xs: readonly number[]) => ({ mean: mean(xs), sd: sd(xs) });

export { querySeed };

/** N image indices of 0..images-1 drawn without replacement (seeded), ascending. */
export function sampleQueries(images: number, n: number, seed: number): number[] {
  const all = Array.from({ length: images }, (_, i) => i);
  return new Random(seed).shuffle(all).slice(0, Math.min(n, images)).sort((a, b) => a - b);
}

export { curveAuc, curveSteps, planQuery, type QueryPlan } from './eval-plan.js';

function classLogits(logits: Float32Array[], plan: QueryPlan, cls: number, label: string | undefined): ClassLogits {
  const D = plan.random.length;
  const at = (row: number) => logits[row]![cls]!;
  const original = at(0);
  const circuit = at(1);
  const random = Array.from({ length: D }, (_, d) => at(2 + d));
  const outside = Array.from({ length: D }, (_, d) => at(2 + D + d));
  const base = 2 + 2 * D;
  const deletion = plan.ks.map((_, j) => at(base + j));
  const insertion = plan.ks.map((_, j) => at(base + plan.ks.length + j));
  return {
    class: cls,
    ...(label !== undefined ? { label } : {}),
    original,
    circuit,
    random: { ...stat(random), values: random },
    outside: { ...stat(outside), values: outside },
    deletion,
    insertion,
    drop: { circuit: original - circuit, random: original - mean(random), outside: original - mean(outside) },
    auc: { deletion: curveAuc(plan.ks, deletion), insertion: curveAuc(plan.ks, insertion) },
  };
}

function summarise(rows: ClassLogits[], seed: number): ClassSummary {
  const pick = (f: (r: ClassLogits) => number) => stat(rows.map(f));
  const ci = (f: (r: ClassLogits) => number, k: number) => meanWithInterval(rows.map(f), seed + k);
  const random = ci((r) => r.drop.random, 1);
  const difference = ci((r) => r.drop.circuit - r.drop.random, 4);
  return {
    queries: rows.length,
    original: pick((r) => r.original),
    drop: { circuit: ci((r) => r.drop.circuit, 0), random, outside: ci((r) => r.drop.outside, 2) },
    difference,
    ...judgeCheck(random.ci, ratioWithInterval(rows.map((r) => [r.drop.circuit, r.drop.random] as const), seed + 3), difference.ci),
    auc: { deletion: pick((r) => r.auc.deletion), insertion: pick((r) => r.auc.insertion) },
    circuitBeatsRandom: rows.length === 0 ? 0 : rows.filter((r) => r.drop.circuit > r.drop.random).length / rows.length,
  };
}

/** The union rows of a query (after the shared unablated row 0) under one mode. */
function unionRows(plan: QueryPlan, mode: AblationMode): MaskRow[] {
  const row = (neurons: NeuronRef[]): MaskRow => (mode === 'mean' ? { neurons, mean: true } : { neurons, factor: 0 });
  return [plan.union, ...plan.random, ...plan.outside, ...plan.deletion, ...plan.insertion].map(row);
}

/** One mode's measures of one query. */
export interface ModeRows {
  predicted: ClassLogits;
  true?: ClassLogits | null;
  circuitChecks: CircuitCheck[];
}

/** Runs every row of a query (both modes in one request, the unablated row shared) and reads them back per mode. */
async function measureQuery(
  run: (rows: MaskRow[]) => Promise<Float32Array[]>,
  plan: QueryPlan,
  plans: CircuitPlan[],
  modes: readonly AblationMode[],
  classes: { predicted: number; true?: number | null },
  label: (c: number) => string | undefined,
): Promise<ModeRows[]> {
  const blocks = modes.map((mode) => [...unionRows(plan, mode), ...circuitRows(plans, mode)]);
  const logits = await run([{ neurons: [] }, ...blocks.flat()]);
  let offset = 1;
  return blocks.map((block) => {
    const view = [logits[0]!, ...logits.slice(offset, offset + block.length)];
    offset += block.length;
    const start = 1 + unionRows(plan, 'zero').length;
    const t = classes.true;
    return {
      predicted: classLogits(view, plan, classes.predicted, label(classes.predicted)),
      ...(t === undefined ? {} : { true: t === null ? null : classLogits(view, plan, t, label(t)) }),
      circuitChecks: readCircuitChecks(plans, view, start, classes.predicted),
    };
  });
}

/** Runs the verification and writes RUN/circuits/eval.json; returns the result and its path. */
export async function evaluateCircuits(options: EvalOptions, hooks: EvalHooks = {}): Promise<{ result: CircuitsEvalFile; path: string }> {
  return withRunLock(options.run, 'circuits eval', async () => {
    const session = await openEval(options);
    try {
      const evaluated: EvaluatedQuery[] = [];
      for (const [i, index] of session.chosen.entries()) {
        hooks.signal?.throwIfAborted();
        evaluated.push(await session.evaluate(index));
        hooks.onProgress?.({ done: i + 1, total: session.chosen.length });
      }
      const result = assembleEval(session.settings, session.chosen, evaluated);
      await writeEval(session.settings.out, result);
      return { result, path: session.settings.out };
    } finally {
      await session.close();
    }
  });
}

/** Writes an eval result atomically (creating its folder). */
export async function writeEval(out: string, result: CircuitsEvalFile): Promise<void> {
  await mkdir(dirname(out), { recursive: true });
  await writeFileAtomic(out, stableJson(result));
}

/** One query's entry in eval.json and its measures per mode (what the summary is computed from). */
export interface EvaluatedQuery {
  entry: CircuitsEvalQuery;
  /** Per ablation mode, primary first; empty when the query has no circuit. */
  measured: ModeRows[];
}

/** Everything of an eval result that does not depend on the queries' measures. */
export interface EvalSettings {
  run: CircuitsEvalFile['run'];
  protocol: CircuitsEvalFile['protocol'];
  modes: AblationMode[];
  seed: number;
  withTruth: boolean;
  /** Where the result goes. */
  out: string;
}

/** An open evaluation: its settings, the queries chosen, and one query's evaluation at a time. */
export interface EvalSession {
  settings: EvalSettings;
  chosen: number[];
  evaluate(index: number): Promise<EvaluatedQuery>;
  close(): Promise<void>;
}

/**
 * Opens the run and the finder and settles the settings and the queries. A query's evaluation
 * depends on nothing but the settings and its index (its draws are seeded by querySeed), so the
 * queries can be evaluated in any grouping (shards) and assembled in order.
 */
export async function openEval(options: EvalOptions): Promise<EvalSession> {
  const { run, percentile = CIRCUITS_DEFAULTS.percentile, seed = CIRCUITS_DEFAULTS.seed, draws = CIRCUITS_DEFAULTS.draws, steps = CIRCUITS_DEFAULTS.steps, batch = CIRCUITS_DEFAULTS.batch } = options;
  for (const [name, v, min] of [['draws', draws, 1], ['steps', steps, 1], ['seed', seed, 0]] as const) {
    if (!Number.isSafeInteger(v) || v < min) throw new NeurolensError('usage', circuitMessages.badEvalOption(name, v));
  }
  const modes = ablationModes(options.ablation ?? CIRCUITS_DEFAULTS.ablation);
  const support = options.support ?? CIRCUITS_DEFAULTS.support;
  const ablation = await openRunAblation(run, { batch, withMeans: modes.includes('mean'), ...(options.threads ? { threads: options.threads } : {}), executionProvider: options.executionProvider });
  let finder: FinderLike | undefined;
  const close = async () => {
    await Promise.all([finder?.close(), ablation.close()]);
  };
  try {
    const count = ablation.images.length;
    const requested = options.queries ?? CIRCUITS_DEFAULTS.queries;
    const chosen = typeof requested === 'number' ? sampleQueries(count, requested, seed) : [...requested];
    for (const q of chosen) if (!Number.isInteger(q) || q < 0 || q >= count) throw new NeurolensError('usage', circuitMessages.queryIndexRange(q, count, run));
    const truth = options.labels ? await readLabels(options.labels, ablation.images, ablation.manifest.model.classNames, ablation.manifest.images.root) : undefined;
    const found = await (options.finder ?? defaultFinder)(run, { percentile, support, batch, ...(options.threads ? { threads: options.threads } : {}), executionProvider: options.executionProvider, ...(options.layers ? { layers: options.layers } : {}) });
    finder = found;
    const settings: EvalSettings = {
      run: { fingerprint: ablation.manifest.fingerprint, model: ablation.manifest.model.sha256, images: count },
      protocol: {
        text: EVAL_PROTOCOL,
        percentile,
        support,
        seed,
        draws,
        steps,
        factor: 0,
        logit: `first output "${ablation.ablator.output}", raw values`,
        queries: typeof requested === 'number' ? { sampled: requested } : { given: chosen.length },
        labels: options.labels ? basename(options.labels) : null,
        batch: 'per query, all rows in batches of `batch`, identical rows once',
        ablation: { modes, text: CIRCUIT_PROTOCOL },
        bootstrap: { resamples: BOOTSTRAP_RESAMPLES, level: 0.95, over: 'queries' },
      },
      modes,
      seed,
      withTruth: truth !== undefined,
      out: options.out ?? join(run, 'circuits', 'eval.json'),
    };
    const evaluate = async (index: number): Promise<EvaluatedQuery> => {
      const result = await found.find({ index });
      const plan = planQuery(result, { seed, index, draws, steps });
      const predictedClass = result.query.predicted[0]!.class;
      const base = { index, image: ablation.images.find((r) => Number(r.index) === index)!.path, circuits: result.circuits.length, neurons: plan.union.length, perLayer: plan.perLayer, edges: plan.edges };
      if (plan.union.length === 0) {
        return { entry: { ...base, predicted: { class: predictedClass, ...(ablation.label(predictedClass) !== undefined ? { label: ablation.label(predictedClass) } : {}) } }, measured: [] };
      }
      const plans = planCircuits(result, { seed: querySeed(seed, index), draws });
      const t = truth ? truth.get(index) ?? null : undefined;
      const image = await ablation.loadImage({ index });
      const byMode = await measureQuery((rows) => ablation.ablator.run(image, rows), plan, plans, modes, { predicted: predictedClass, ...(t === undefined ? {} : { true: t }) }, ablation.label);
      const [primary, other] = byMode as [ModeRows, ModeRows | undefined];
      return { entry: { ...base, outsideShort: plan.outsideShort, ks: plan.ks, ...primary, ...(other ? { alternate: { mode: modes[1]!, ...other } } : {}) }, measured: byMode };
    };
    return { settings, chosen, evaluate, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The eval result of the evaluated queries (in the order of `chosen`). */
export function assembleEval(settings: EvalSettings, chosen: number[], evaluated: readonly EvaluatedQuery[]): CircuitsEvalFile {
  const { modes, seed } = settings;
  const measured = evaluated.filter((q) => q.measured.length > 0).map((q) => q.measured);
  const modeSummary = (m: number): ModeSummary => {
    const rows = measured.map((q) => q[m]!);
    const trueRows = rows.flatMap((r) => (r.true ? [r.true] : []));
    return { predicted: summarise(rows.map((r) => r.predicted), seed), ...(settings.withTruth ? { true: summarise(trueRows, seed + 10) } : {}), perCircuit: summariseCircuits(rows.map((r) => r.circuitChecks), seed + 20) };
  };
  return {
    format: 'neurolens-circuits-eval',
    formatVersion: 1,
    run: settings.run,
    protocol: settings.protocol,
    chosen,
    summary: {
      queries: chosen.length,
      withCircuits: measured.length,
      mode: modes[0]!,
      ...modeSummary(0),
      ...(modes.length > 1 ? { alternate: { mode: modes[1]!, ...modeSummary(1) } } : {}),
    },
    queries: evaluated.map((q) => q.entry),
  };
}

export { formatEvalTable } from './eval-table.js';

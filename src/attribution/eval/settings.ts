/**
 * Checking and defaulting the options of evaluateAttributions: every bad value is a one-line
 * NeurolensError('usage') naming the option as the CLI spells it.
 */
import { NeurolensError } from '../../errors.js';
import { attributionEvalMessages as msg } from '../../messages/attribution-eval.js';
import { attributionMessages } from '../../messages/attribution.js';
import { methodNames } from '../registry.js';
import type { AttributionMethod, ScoreQuantity } from '../types.js';
import type { CurveBaselines } from './evaluate.js';
import { BASELINE_KINDS, CURVE_KINDS, type BaselineKind, type CurveKind, type EvalAttributionsOptions } from './types.js';
import { EVAL_DEFAULTS } from './defaults.js';

/** The options with defaults filled in. */
export interface EvalSettings {
  methods: AttributionMethod[];
  steps: number;
  unit: number;
  baselines: CurveBaselines;
  curves: CurveKind[];
  quantity: ScoreQuantity;
  randomMaps: number;
  sanity: boolean;
  sanitySteps: number;
  seed: number;
  limit: number | undefined;
}

export { EVAL_DEFAULTS } from './defaults.js';

function integer(option: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) throw new NeurolensError('usage', msg.badInteger(option, value, min));
  return value;
}

function baseline(option: string, value: string | undefined, fallback: BaselineKind): BaselineKind {
  if (value === undefined) return fallback;
  if (!(BASELINE_KINDS as readonly string[]).includes(value)) throw new NeurolensError('usage', msg.badBaseline(option, value, BASELINE_KINDS));
  return value as BaselineKind;
}

/** Checks the methods list (names and at least one), deduplicated, in the order given. */
export function checkMethods(methods: readonly string[]): AttributionMethod[] {
  const known = methodNames();
  if (methods.length === 0) throw new NeurolensError('usage', attributionMessages.noMethod(known));
  for (const m of methods) {
    if (!known.includes(m)) throw new NeurolensError('usage', attributionMessages.badMethod(m, known));
  }
  return [...new Set(methods)];
}

/** Checks a curves list; returns it in canonical order (morf, lerf, deletion, insertion). */
export function checkCurves(curves: readonly string[]): CurveKind[] {
  const bad = curves.find((c) => !(CURVE_KINDS as readonly string[]).includes(c));
  if (bad !== undefined || curves.length === 0) throw new NeurolensError('usage', msg.badCurves(bad ?? '', CURVE_KINDS));
  return CURVE_KINDS.filter((k) => curves.includes(k));
}

export function resolveSettings(o: EvalAttributionsOptions): EvalSettings {
  if (!o.model) throw new NeurolensError('usage', msg.noModel());
  if (!o.images) throw new NeurolensError('usage', msg.noImages());
  if (!o.out) throw new NeurolensError('usage', msg.noOut());
  const quantity = o.quantity ?? EVAL_DEFAULTS.quantity;
  if (quantity !== 'probability' && quantity !== 'logit') throw new NeurolensError('usage', msg.badQuantity(quantity));
  return {
    methods: checkMethods(o.methods),
    steps: integer('--steps', o.steps, EVAL_DEFAULTS.steps, 1),
    unit: integer('--unit', o.unit, EVAL_DEFAULTS.unit, 1),
    baselines: {
      flip: baseline('--baseline', o.baseline, EVAL_DEFAULTS.baseline),
      deletion: baseline('--deletion-baseline', o.deletionBaseline, EVAL_DEFAULTS.deletionBaseline),
      insertion: baseline('--insertion-baseline', o.insertionBaseline, EVAL_DEFAULTS.insertionBaseline),
    },
    curves: checkCurves(o.curves ?? CURVE_KINDS),
    quantity,
    randomMaps: integer('--random-maps', o.randomMaps, EVAL_DEFAULTS.randomMaps, 0),
    sanity: o.sanity ?? false,
    sanitySteps: integer('--sanity-steps', o.sanitySteps, EVAL_DEFAULTS.sanitySteps, 1),
    seed: integer('--seed', o.seed, EVAL_DEFAULTS.seed, 0),
    limit: o.limit === undefined ? undefined : integer('--limit', o.limit, 0, 1),
  };
}

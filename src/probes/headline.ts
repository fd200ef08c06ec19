/**
 * What a probes layer may claim: the best-read concept, only among concepts with enough positives
 * in their test split for the claim to mean something, with the 95 % intervals of its numbers.
 * A concept below the floor keeps its numbers in the JSON and the report but is never ranked.
 */
import { probeMessages } from '../messages/index.js';
import { CONFIDENCE, type Interval } from './bootstrap.js';
import type { ConceptProbes } from './layer-probes.js';

/** The claims of one layer (stored as `headline` in RUN/probes/LAYER.json). */
export interface ProbeHeadline {
  /** Concepts need at least this many positives in their own test split to be ranked or named best. */
  minTestPositives: number;
  /**
   * The concept the multi-neuron probe reads best on test, among those at or above the floor:
   * highest test AUC, ties broken by the higher lower bound of its interval, then by name. Null
   * when no concept reaches the floor or none has a test AUC.
   */
  best: {
    concept: string;
    auc: number;
    aucCi: Interval | null;
    accuracy: number | null;
    accuracyCi: Interval | null;
    testPositives: number;
  } | null;
  /** Concepts below the floor, in file order: reported with their numbers, never ranked. */
  tooFewTestPositives: { concept: string; testPositives: number }[];
}

/** The best-read concept of a layer at or above `minTestPositives`, and the concepts below it. */
export function probeHeadline(concepts: readonly ConceptProbes[], minTestPositives: number): ProbeHeadline {
  const tooFew: ProbeHeadline['tooFewTestPositives'] = [];
  let best: ProbeHeadline['best'] = null;
  const lower = (ci: Interval | null) => ci?.[0] ?? -Infinity;
  for (const c of concepts) {
    const testPositives = c.split.testPositives;
    if (testPositives < minTestPositives) {
      tooFew.push({ concept: c.name, testPositives });
      continue;
    }
    const probe = c.probes.multiNeuron;
    const auc = probe.test.auc;
    if (auc === null) continue;
    const candidate = { concept: c.name, auc, aucCi: probe.ci?.auc ?? null, accuracy: probe.test.accuracy, accuracyCi: probe.ci?.accuracy ?? null, testPositives };
    const better = !best || auc > best.auc || (auc === best.auc && (lower(candidate.aucCi) > lower(best.aucCi) || (lower(candidate.aucCi) === lower(best.aucCi) && c.name < best.concept)));
    if (better) best = candidate;
  }
  return { minTestPositives, best, tooFewTestPositives: tooFew };
}

/** `0.950 (95 % CI 0.900–0.990)`, or the bare value without an interval; `—` for no value. */
export function withInterval(value: number | null, ci: Interval | null | undefined, digits = 3): string {
  if (value === null) return '—';
  const v = value.toFixed(digits);
  return ci ? `${v} (${Math.round(100 * CONFIDENCE)} % CI ${ci[0].toFixed(digits)}–${ci[1].toFixed(digits)})` : v;
}

/** One line of a layer's claims: the best-read concept with its intervals, and what was not ranked (up to `listed` names). */
export function headlineText(h: ProbeHeadline, listed = 5): string {
  const best = h.best
    ? `best read concept (≥ ${h.minTestPositives} test positives): ${h.best.concept}, multi-neuron test AUC ${withInterval(h.best.auc, h.best.aucCi)}, ` +
      `accuracy ${withInterval(h.best.accuracy, h.best.accuracyCi)}, ${h.best.testPositives} test positives`
    : probeMessages.noneRanked(h.minTestPositives);
  if (h.tooFewTestPositives.length === 0) return best;
  const names = h.tooFewTestPositives.slice(0, listed).map((c) => `${c.concept} (${c.testPositives})`);
  const more = h.tooFewTestPositives.length > listed ? `, … ${h.tooFewTestPositives.length - listed} more` : '';
  return `${best}; ${probeMessages.notRanked(h.tooFewTestPositives.length, h.minTestPositives)}${names.length > 0 ? `: ${names.join(', ')}${more}` : ''}`;
}

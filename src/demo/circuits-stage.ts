/**
 * The demo's circuits stage on one recorded model: circuits for three queries (a misclassified
 * image, diagnosed against its true class, and the first two correct ones), then the ablation check
 * on sampled queries with the emoji subcategories as true labels. The diagnosed image is the first
 * of up to DIAGNOSIS_CANDIDATES misclassified ones with a circuit that narrows the margin; when
 * none has one, the first is shown and its diagnosis says that no circuit narrows it.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../store/atomic.js';
import { openRun } from '../run/open.js';
import { writeCircuits } from '../circuits/write.js';
import { diagnoseQuery } from '../circuits/diagnose.js';
import { evaluateCircuits } from '../circuits/eval.js';
import type { CheckVerdict, Interval, RatioCi } from '../circuits/formats.js';
import type { EmojiImage } from './emoji.js';

/** Misclassified images tried for a diagnosis with a narrowing circuit. */
export const DIAGNOSIS_CANDIDATES = 5;

export interface DemoCircuits {
  files: string[];
  queries: number[];
  /** The diagnosed misclassification: `verdict` says which circuit narrows the margin (and by how much), or that none does. */
  misclassified?: { index: number; predicted: string; truth: string; diagnosis: string; topCircuit?: string; verdict: string; tried: number };
  eval: {
    path: string;
    queries: number;
    withCircuits: number;
    /** The primary ablation mode of the numbers below. */
    mode: string;
    drop: { circuit: number; random: number; outside: number };
    /**
     * All circuits at once: the circuit/random ratio with its 95 % interval (null when the random
     * drop's interval reaches 0: a ratio over nothing), the paired difference's interval, and the
     * verdict (by the ratio, or by the difference where the ratio is null).
     */
    ratio: RatioCi;
    difference: Interval;
    verdict: CheckVerdict;
    circuitBeatsRandom: number;
    /**
     * Each circuit alone: mean drop vs random, ratio, difference and verdict as above, the share of
     * circuits passing against their own random draws, and completeness.
     */
    perCircuit: { drop: number; random: number; ratio: RatioCi; difference: Interval; verdict: CheckVerdict; beatsRandom: number; passes: number; retained: number; retainedRandom: number };
  };
}

export async function demoCircuits(run: string, images: readonly EmojiImage[], options: { threads?: number; executionProvider?: 'cpu' | 'cuda'; evalQueries: number }): Promise<DemoCircuits> {
  const { manifest, images: rows } = await openRun(run, { activations: false });
  const classNames = manifest.model.classNames ?? [];
  const truthOf = new Map(images.map((i) => [i.path, i.subcategory]));
  const known = rows.filter((r) => classNames.includes(truthOf.get(r.path) ?? ''));
  const session = { ...(options.threads === undefined ? {} : { threads: options.threads }), executionProvider: options.executionProvider };
  const candidates = known.filter((r) => classNames[r.top5_classes[0]!] !== truthOf.get(r.path)).slice(0, DIAGNOSIS_CANDIDATES);
  let misclassified: DemoCircuits['misclassified'];
  let wrong: (typeof known)[number] | undefined;
  for (const [i, candidate] of candidates.entries()) {
    const truth = truthOf.get(candidate.path)!;
    const { diagnosis, path } = await diagnoseQuery({ run, query: { index: candidate.index }, target: truth, ...session });
    // Keep the first candidate unless a later one has a circuit that narrows its margin.
    if (misclassified && diagnosis.verdict.best === null) continue;
    wrong = candidate;
    const top = diagnosis.verdict.best;
    misclassified = { index: candidate.index, predicted: classNames[candidate.top5_classes[0]!]!, truth, diagnosis: path, ...(top !== null ? { topCircuit: String(top) } : {}), verdict: diagnosis.verdict.text, tried: i + 1 };
    if (top !== null) break;
  }
  const right = known.filter((r) => classNames[r.top5_classes[0]!] === truthOf.get(r.path)).slice(0, wrong ? 2 : 3);
  const queries = [...(wrong ? [wrong] : []), ...right].map((r) => r.index);
  const { files } = await writeCircuits(run, queries.map((index) => ({ index })), session);

  // True labels for the check: the subcategory, for images whose subcategory is one of the classes.
  const labels = join(run, 'circuits', 'subcategory-labels.csv');
  await writeFileAtomic(labels, `path,label\n${known.map((r) => `"${r.path}","${truthOf.get(r.path)}"`).join('\n')}\n`);
  const { result, path } = await evaluateCircuits({ run, queries: options.evalQueries, labels, ...session });
  const s = result.summary.predicted;
  const p = result.summary.perCircuit;
  return {
    files,
    queries,
    ...(misclassified ? { misclassified } : {}),
    eval: {
      path,
      queries: result.summary.queries,
      withCircuits: result.summary.withCircuits,
      drop: { circuit: s.drop.circuit.mean, random: s.drop.random.mean, outside: s.drop.outside.mean },
      ratio: s.ratio,
      difference: s.difference.ci,
      verdict: s.verdict,
      circuitBeatsRandom: s.circuitBeatsRandom,
      mode: result.summary.mode,
      perCircuit: {
        drop: p.drop.mean,
        random: p.random.mean,
        ratio: p.ratio,
        difference: p.difference.ci,
        verdict: p.verdict,
        beatsRandom: p.beatsRandom,
        passes: p.passes,
        retained: p.completeness.retained.mean,
        retainedRandom: p.completeness.random.mean,
      },
    },
  };
}

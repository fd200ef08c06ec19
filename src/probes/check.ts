/**
 * The check a probe's claim must pass before it reads as a finding: the multi-neuron probe's test
 * AUC interval must lie above chance (0.5) and above the same probe trained on shuffled labels, and
 * the concept must have enough test positives for the interval to mean something (the layer's
 * `minTestPositives`, as for the headline). A probe that fails is kept and shown, as failing.
 */
import { probeMessages } from '../messages/index.js';
import type { ConceptProbes } from './layer-probes.js';

/** 'pass'; 'fail' (the interval reaches chance or the shuffled control); 'too-few' (too few test positives to tell). */
export type ProbeVerdict = 'pass' | 'fail' | 'too-few';

export interface ProbeCheck {
  verdict: ProbeVerdict;
  /** One line: the numbers the verdict rests on. */
  reason: string;
}

/** AUC of a classifier that ranks at random. */
export const CHANCE_AUC = 0.5;

/** The check of one concept's multi-neuron probe, against the layer's test-positive floor. */
export function probeCheck(concept: ConceptProbes, minTestPositives: number): ProbeCheck {
  const testPositives = concept.split.testPositives;
  if (testPositives < minTestPositives) return { verdict: 'too-few', reason: probeMessages.checkTooFew(testPositives, minTestPositives) };
  const ci = concept.probes.multiNeuron.ci?.auc ?? null;
  if (ci === null) return { verdict: 'fail', reason: probeMessages.checkNoAuc() };
  const shuffled = concept.baselines.shuffled.auc;
  const floor = Math.max(CHANCE_AUC, shuffled ?? CHANCE_AUC);
  if (ci[0] > floor) return { verdict: 'pass', reason: probeMessages.checkPassed(ci[0], shuffled) };
  return { verdict: 'fail', reason: probeMessages.checkFailed(ci[0], shuffled) };
}

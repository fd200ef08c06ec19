/**
 * The verdict of a circuit-vs-random ablation check: does ablating the circuit lower the logit more
 * than ablating random neurons of the same layers and count?
 *
 * A circuit/random ratio reads well ("3.7× random") but only means something when the random drop
 * is itself distinguishable from 0. On a ViT, zeroing a handful of random MLP units moves the
 * logit by nothing measurable (its interval straddles 0), so the ratio is a quotient of noise — it
 * can be 300× or −300× from the same data. The verdict therefore comes from the ratio only when
 * the random drop's 95 % interval lies above 0, and from the paired difference (circuit − random)
 * otherwise; the ratio is then withheld, with the reason.
 */
import { circuitMessages } from '../messages/circuits.js';
import type { CheckVerdict, Interval, MeanSdCi } from './formats.js';

/** A ratio with its 95 % interval; null where it is withheld. */
export type Ratio = { value: number; ci: Interval } | null;

/**
 * The verdict of one check from the random drop's interval, the circuit/random ratio and the
 * circuit − random difference (each with its 95 % interval):
 *  - random interval above 0: basis `ratio`, pass when the ratio's interval lies above 1;
 *  - random interval reaching 0 or below: basis `difference`, pass when the difference's interval
 *    lies above 0, and the ratio is withheld (null) with the reason.
 * A non-finite ratio interval (a resample whose random drop is 0) also withholds the ratio.
 */
export function judgeCheck(random: Interval, ratio: { value: number; ci: Interval }, difference: Interval): { ratio: Ratio; verdict: CheckVerdict } {
  const usable = random[0] > 0 && Number.isFinite(ratio.value) && ratio.ci.every(Number.isFinite);
  if (usable) return { ratio, verdict: { basis: 'ratio', pass: ratio.ci[0] > 1 } };
  return { ratio: null, verdict: { basis: 'difference', pass: difference[0] > 0, ratioNa: circuitMessages.ratioNa(random) } };
}

/**
 * One circuit on one query against its random draws: the random drops' mean with a percentile
 * bootstrap interval over the draws (`randomCi`), the difference drop − random and the ratio
 * drop / random with the intervals that follow from it (both monotone in the random mean, so the
 * same resamples bound them), and the verdict.
 */
export function judgeAgainstDraws(drop: number, random: MeanSdCi): { difference: MeanSdCi; ratio: Ratio; verdict: CheckVerdict } {
  const [lo, hi] = random.ci;
  const difference: MeanSdCi = { mean: drop - random.mean, sd: random.sd, ci: [drop - hi, drop - lo] };
  const bounds = [drop / lo, drop / hi].sort((a, b) => a - b) as Interval;
  const judged = judgeCheck(random.ci, { value: drop / random.mean, ci: bounds }, difference.ci);
  return { difference, ...judged };
}


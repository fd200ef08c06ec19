/**
 * The faithfulness checks of a method: its mean MoRF and deletion AUCs against the random
 * baselines. The flag (`lessFaithfulThanRandom`) compares with the scattered random maps, the
 * protocol's chance level; the smoothness-matched random maps are compared too and the reason says
 * which of the two explains the failure (see smooth-random.ts).
 */
import { attributionEvalMessages as msg } from '../../messages/attribution-eval.js';
import type { MethodAggregate, MethodChecks, RandomComparison } from './types.js';

const NAMES = { morf: 'MoRF', deletion: 'deletion' } as const;

/** "4×4 on 12 images, 8×8 on 4" from the per-grid image counts. */
export function gridsText(grids: Readonly<Record<string, number>> | undefined): string {
  const entries = Object.entries(grids ?? {}).sort((a, b) => b[1] - a[1] || Number(a[0]) - Number(b[0]));
  return entries.map(([k, n], i) => `${k}×${k} grid on ${n}${i === 0 ? (n === 1 ? ' image' : ' images') : ''}`).join(', ');
}

function compare(a: MethodAggregate, kind: 'morf' | 'deletion'): RandomComparison | undefined {
  const auc = a.auc[kind]?.mean;
  const random = a.random?.[kind]?.mean;
  if (auc === undefined || random === undefined) return undefined;
  const out: RandomComparison = { auc, random, belowRandom: auc < random };
  const smooth = a.smoothRandom?.[kind]?.mean;
  if (smooth !== undefined) {
    out.smoothRandom = smooth;
    out.belowSmoothRandom = auc < smooth;
  }
  return out;
}

/** The checks of one method's aggregate (undefined without random maps or without MoRF and deletion). */
export function methodChecks(a: MethodAggregate): MethodChecks | undefined {
  const checks: MethodChecks = { lessFaithfulThanRandom: false };
  for (const kind of ['morf', 'deletion'] as const) {
    const c = compare(a, kind);
    if (c) checks[kind] = c;
  }
  if (!checks.morf && !checks.deletion) return undefined;
  const failed = (['morf', 'deletion'] as const).filter((k) => checks[k] && !checks[k]!.belowRandom);
  if (failed.length === 0) return checks;
  checks.lessFaithfulThanRandom = true;
  const parts = failed.map((k) => msg.notBelowRandom(NAMES[k], checks[k]!.auc, checks[k]!.random));
  const smooth = failed.filter((k) => checks[k]!.smoothRandom !== undefined);
  if (smooth.length > 0) {
    const values = smooth.map((k) => `${NAMES[k]} ${checks[k]!.auc.toFixed(3)} vs ${checks[k]!.smoothRandom!.toFixed(3)}`).join(', ');
    const below = smooth.every((k) => checks[k]!.belowSmoothRandom);
    parts.push(below ? msg.smoothBelow(gridsText(a.smoothGrids), values) : msg.smoothNotBelow(gridsText(a.smoothGrids), values));
  }
  checks.reason = parts.join('; ');
  return checks;
}

/**
 * Largest |Spearman| (of the maps, or of |map|) at the cascade's last step for the maps to count
 * as depending on the learned weights. Adebayo et al. read the check by eye ("falls towards 0");
 * a fixed line lets the explorer show a failing map as failing.
 */
export const SANITY_MAX_FINAL_CORRELATION = 0.5;

/** The verdict of one method's cascading-randomisation check (its aggregate `sanity` steps). */
export interface SanityCheck {
  passed: boolean;
  /** Mean Spearman of the maps after the first step (top layer re-initialised) and after the last. */
  first: number;
  last: number;
  /** Mean Spearman of |map| after the last step. */
  lastAbs: number;
  steps: number;
  /** Layers re-initialised at the last step. */
  layers: number;
  reason: string;
}

/** The sanity verdict of a method, or undefined when the cascade was not run. */
export function sanityCheck(sanity: MethodAggregate['sanity']): SanityCheck | undefined {
  if (!Array.isArray(sanity) || sanity.length === 0) return undefined;
  const first = sanity[0]!;
  const last = sanity[sanity.length - 1]!;
  const worst = Math.max(Math.abs(last.spearman.mean), Math.abs(last.spearmanAbs.mean));
  const passed = worst < SANITY_MAX_FINAL_CORRELATION;
  const counts = { first: first.spearman.mean, last: last.spearman.mean, lastAbs: last.spearmanAbs.mean, layers: last.layers.length };
  const reason = passed
    ? msg.sanityPassed(counts.last, counts.lastAbs, counts.layers, SANITY_MAX_FINAL_CORRELATION)
    : msg.sanityFailed(counts.last, counts.lastAbs, counts.layers, SANITY_MAX_FINAL_CORRELATION);
  return { passed, ...counts, steps: sanity.length, reason };
}

/** Defaults of the circuit stage, in one place so that the library and the CLI's help agree. */
export const CIRCUITS_DEFAULTS = {
  /** Percentile of the peaks-over-threshold sensitivity cut. */
  percentile: 90,
  /** Layers whose neurons must lower the predicted logit when ablated to enter a circuit: token layers (see support.ts). */
  support: 'tokens',
  /** Rows per model run of a block (and images per batch for reference crops). */
  batch: 32,
  /** `circuits eval`: number of seeded random queries. */
  queries: 100,
  /** `circuits eval`: random and outside draws per query. */
  draws: 10,
  /** `circuits eval`: points of the deletion/insertion curves after k = 0. */
  steps: 10,
  /** `circuits eval`: seed of the query sample and the random draws. */
  seed: 0,
  /** `circuits eval`: ablation protocol — zero (primary, as discovery zeroes) and mean. */
  ablation: 'both',
  /** `circuits diagnose`: factor applied to stimulated neurons. */
  stimulate: 2,
} as const;

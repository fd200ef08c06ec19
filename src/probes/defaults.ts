/** Defaults of `runProbes` that the CLI shows, in one place so that the library and the help agree. */
export const PROBE_DEFAULTS = {
  /** Recorded pooling the probes read. */
  pooling: 'mean',
  /** Seed of the splits, the shuffled control and the MLP. */
  seed: 0,
  /** Hidden units of the MLP probe. */
  hidden: 64,
  /** L1 penalty of the multi-neuron probe. */
  l1: 0,
  /** Convergence threshold of the linear probes. */
  tolerance: 1e-6,
  /** Share of images held out for the test split. */
  testFraction: 0.2,
  /** Fewest positives in a concept's test split for it to be ranked or named best. */
  minTestPositives: 10,
  /** Bootstrap resamples of the test split behind each 95 % interval. */
  bootstrapResamples: 1000,
} as const;

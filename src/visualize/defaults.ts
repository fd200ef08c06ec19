/** Defaults of `visualize`, apart from the optimiser so the CLI's help loads no runtime. */
import { DIVERSITY_WEIGHT } from './diversity.js';

export const VISUALIZE_DEFAULTS = { steps: 64, rate: 0.05, seed: 0, batch: 32, rotate: 5, scale: 0.05, initStd: 0.01, diversity: 1, diversityWeight: DIVERSITY_WEIGHT } as const;

/** Defaults of the attribution evaluation, apart from it so the CLI's help loads no runtime. */
export const EVAL_DEFAULTS = {
  steps: 20,
  unit: 4,
  baseline: 'mean',
  deletionBaseline: 'zero',
  insertionBaseline: 'blur',
  quantity: 'probability',
  randomMaps: 1,
  sanitySteps: 8,
  seed: 0,
} as const;

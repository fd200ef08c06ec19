/** Defaults of `edit`, apart from the editor so the CLI's help loads no runtime. */

/** Factor applied to the listed neurons when none is given: 0 zeroes them (an ablation). */
export const DEFAULT_SCALE = 0;

/** Default images per inference batch. */
export const DEFAULT_EVAL_BATCH = 32;

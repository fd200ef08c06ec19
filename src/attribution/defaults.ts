/** The Attributor's default most inputs per model run: here, apart from it, so the CLI's help loads no runtime. */
export const DEFAULT_MAX_BATCH = 64;

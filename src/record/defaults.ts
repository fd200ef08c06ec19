/** Defaults of `record` that the CLI shows in its help: here, apart from the recorder, so help loads no runtime. */
export const DEFAULT_BATCH = 16;
export const DEFAULT_CHUNK = 256;
export const DEFAULT_TOP_K = 100;

/** The one reader of recorded RUN folders (see open.ts). */
export { openRun } from './open.js';
export { readManifest, RUN_FORMAT_VERSION } from './manifest.js';
export { recordCommand } from './rebuild.js';
export type { OpenRun, RunNeeds } from './types.js';
export type { RunImageRow } from '../record/read-run.js';

/** Attribution maps (issue 7): public API. */
export * from './types.js';
export { createAttributor, openAttributor, attributorModel, methodDefaults, DEFAULT_MAX_BATCH, type OpenAttributorOptions } from './attributor.js';
export { parseTarget, formatTarget } from './target.js';
export { fillBaseline, defaultBlurSigma, blendInto, FILL_KINDS, type FillKind, type TensorShape } from './fill.js';
export { findGapHead, type GapHead } from './head.js';
export { renderOverlay, type OverlayOptions } from './overlay.js';
export { runAttribution, type AttributionRunOptions, type AttributionRunHooks, type AttributionRunResult, type AttributionEntry, type AttributionFile } from './pipeline.js';

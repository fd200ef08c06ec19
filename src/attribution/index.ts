/** Attribution maps (issue 7): public API. */
export * from './types.js';
export { registerMethod, listMethods, methodNames, getMethod, methodOptions, methodsUsing, rawMethodNames, checkRawMethod } from './registry.js';
export type { AttributionMethodSpec, MethodOption, MethodResult, MethodRun, OptionContext, OptionRule, OptionValue, PrepareContext, Prepared } from './method.js';
export { sideRule, positiveIntegerRule, nonNegativeIntegerRule, choiceRule, parseOptionText } from './method.js';
export type { MethodContext } from './scorer.js';
export { createAttributor, openAttributor, attributorModel, methodDefaults, DEFAULT_MAX_BATCH, type OpenAttributorOptions } from './attributor.js';
export { parseTarget, formatTarget } from './target.js';
export { fillBaseline, defaultBlurSigma, blendInto, FILL_KINDS, type FillKind, type TensorShape } from './fill.js';
export { findGapHead, type GapHead } from './head.js';
export { renderOverlay, type OverlayOptions } from './overlay.js';
export { runAttribution, type AttributionRunOptions, type AttributionRunHooks, type AttributionRunResult, type AttributionEntry, type AttributionFile, type StoredMethodOptions } from './pipeline.js';

/** Evaluation of attribution maps (issue 7, item 2): public API. */
export * from './types.js';
export { evaluateAttributions, loadAttributorModel, type EvalOutput, type AttributorFactory } from './pipeline.js';
export { EVAL_DEFAULTS, checkCurves, checkMethods, resolveSettings, type EvalSettings } from './settings.js';
export { unitGrid, unitScores, rankUnits, stepCounts, stepFractions, type UnitGrid } from './order.js';
export { copyUnits, writeCurveImages, type TensorGeometry } from './perturb.js';
export { normalisation, normalise, trapezoid, makeCurve, curveArea, round6 } from './curves.js';
export { CurveEvaluator, type CurveBaselines, type ImageCurves, type MapCurves } from './evaluate.js';
export { randomMap, randomMapSeed, randomCurveKinds, randomBaseline } from './random-maps.js';
export { smoothRandomMap, smoothMapSeed, smoothGrids, unitAutocorrelation, SmoothMatcher, REFERENCE_MAPS, type GridReference } from './smooth-random.js';
export { methodChecks, gridsText } from './checks.js';
export { parameterisedLayers, cascadeSteps, randomiseTopLayers, randomTensor, layerSeed, type ParamLayer } from './randomise.js';
export { averageRanks, pearson, spearman, stat } from './spearman.js';
export { runSanity, compareMaps, type SanityInput } from './sanity.js';
export { openMapSource, parseMapIndex, type MapSource, type MapIndexEntry } from './maps.js';
export { chartSpec, renderPng } from './chart.js';
export { CHART_SOURCES, CURVE_LABELS, chartRows, chartSubtitle, type ChartRow, type ChartSource } from './chart-rows.js';
export { aggregateMethod, formatSummary, formatMarkdown, formatChecks } from './report.js';
export { buildProtocol } from './protocol.js';

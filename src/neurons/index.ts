/** Public API of single-neuron analysis (`neurolens neurons`). */
export { runNeurons, NEURONS_DEFAULTS } from './pipeline.js';
export { activeCounts, rareChannels, rareCountsPerImage, rateHistogram, ratesFromCounts, topOffenders, type RowReader } from './rates.js';
export { writeRates } from './summary.js';
export { writeExemplars, layerGroups, exemplarPaths, type ExemplarSettings } from './exemplars.js';
export { writeDissection, mapSize, DISSECTION_QUANTILE, type DissectionFile, type DissectionNeuron } from './dissect.js';
export { readMaskDataset, loadMask, type MaskDataset, type MaskEntry } from './masks.js';
export { clusterFamily, clusterLevels, findConceptsLayer, labelsFamily, maskFamily, type NeuronLabelsFile, type ClusterLevels } from './caption-labels.js';
export { enrichmentLabels, labelShares, bestConcept, prepareFamilies, type ConceptFamily, type ConceptSource, type EnrichmentConcept, type EnrichmentLabel, type LabelEvidence } from './enrichment.js';
export { benjaminiHochberg, hypergeometricTail, logHypergeometricTail, logChoose } from './significance.js';
export { openNeuronsRun, LazySession, type NeuronsRun } from './run.js';
export * from './types.js';
export { writeEffects, EFFECTS_DEFAULTS, type EffectsSettings } from './effects.js';
export { effectSample, measureAblation, summarizeAblation, layerSpread, tCritical, ablateLayers, type EffectSums } from './ablation-effects.js';
export { layerHeatmaps, hottest, deletePixels, heatmapFile, type HeatmapSettings } from './heatmaps.js';
export type * from './effects-types.js';

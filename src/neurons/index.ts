/** Public API of single-neuron analysis (`neurolens neurons`). */
export { runNeurons, NEURONS_DEFAULTS } from './pipeline.js';
export { activeCounts, rareChannels, rareCountsPerImage, rateHistogram, ratesFromCounts, topOffenders, type RowReader } from './rates.js';
export { writeRates } from './summary.js';
export { writeExemplars, layerGroups, exemplarPaths, type ExemplarSettings } from './exemplars.js';
export { writeDissection, mapSize, DISSECTION_QUANTILE, type DissectionFile, type DissectionNeuron } from './dissect.js';
export { readMaskDataset, loadMask, type MaskDataset, type MaskEntry } from './masks.js';
export { captionLabel, clusterLevels, findConceptsLayer, type CaptionLabel, type CaptionLabelsFile, type ClusterLevels } from './caption-labels.js';
export { openNeuronsRun, LazySession, type NeuronsRun } from './run.js';
export * from './types.js';

/** Feature visualisation by optimisation (see ./pipeline.ts). */
export { visualize, VISUALIZE_DEFAULTS, defaultJitter } from './pipeline.js';
export { visualizeShard, type VisualizeShardResult, type FinishedVisualizeShard } from './shards.js';
export { createSpectral, synthesise, adjoint as spectralAdjoint, spatial, spatialAdjoint, mixColours, colourMatrix, spectralScale, type Spectral } from './spectral.js';
export { drawWarp, warpTaps, applyWarp, warpAdjoint, FILL, type Robustness, type Warp, type Taps } from './transform.js';
export { fourier2d } from './fft.js';
export type * from './types.js';

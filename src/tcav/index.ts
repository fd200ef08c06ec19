/** TCAV: concept sensitivity of a class through real gradients (see pipeline.ts). */
export { runTcav, TCAV_DEFINITIONS } from './pipeline.js';
export { TCAV_DEFAULTS, MIN_RANDOM, type TcavOptions, type TcavHooks, type TcavResult, type TcavFile, type TcavConcept, type ScoreSet } from './types.js';
export { trainCav, drawRandomSets, type Cav, type RandomSets } from './cav.js';
export { positionSums, directionalDerivatives, classGradientSums } from './derivative.js';
export { welchTest, studentTwoSided, incompleteBeta } from './stats.js';
export { summaryTable, renderTcavMarkdown } from './report.js';

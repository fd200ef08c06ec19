// The server's API contract (src/server/api.ts: no Node imports, so the bundle may use its values).
export { canonicalEndpoint, CIRCUIT_FILTER_ANY, CIRCUIT_FILTER_NONE, HISTOGRAM_BINS, NEURON_SORTS, neuronMatches, STATIC_CALLBACK, STATIC_FLAG, STATIC_PAGE_SIZE, staticDataPath, thumbUrl } from '../../src/server/api.js';
export type * from '../../src/server/api.js';

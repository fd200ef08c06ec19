/**
 * Every user-facing sentence lives under src/messages/, one file per area, so wording stays
 * consistent and reviewable in one place. Each entry is a function returning one line that names
 * the file/argument at fault and says what to do.
 */
export { onnxMessages } from './onnx.js';
export { imageMessages } from './images.js';
export { storeMessages } from './store.js';
export { recordMessages } from './record.js';
export { shardMessages } from './shards.js';
export { cliMessages, CLI } from './cli.js';
export { runtimeMessages } from './runtime.js';
export { demoMessages } from './demo.js';
export { conceptMessages } from './concepts.js';
export { textMessages } from './text.js';
export { llmMessages } from './llm.js';
export { circuitMessages } from './circuits.js';
export { clusterMessages } from './cluster.js';
export { probeMessages } from './probes.js';
export { editMessages } from './edit.js';
export { attributionMessages } from './attribution.js';
export { neuronMessages } from './neurons.js';
export { visualizeMessages } from './visualize.js';
export { serverMessages } from './server.js';
export { attributionEvalMessages } from './attribution-eval.js';
export { runMessages } from './run.js';
export { tcavMessages } from './tcav.js';

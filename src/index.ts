/**
 * neurolens — the library. Everything the CLI does is available here; the library never prints.
 */
export { NeurolensError, isNeurolensError, type ErrorKind } from './errors.js';

// Model core: ONNX graphs
export { decodeModel, encodeModel } from './onnx/codec.js';
export { loadModel, type LoadedModel } from './onnx/load.js';
export { GraphBuilder, floatAttr, makeAttribute, makeValueInfo } from './onnx/builder.js';
export { makeTensor, tensorFloat32, tensorValues, tensorDims } from './onnx/tensor.js';
export type * from './onnx/types.js';
export { catalogueModel, formatCatalogue, type LayerInfo, type ModelSummary } from './onnx/catalogue/index.js';
export { instrumentModel } from './onnx/instrument.js';
export { cutModel } from './onnx/cut.js';
export { openModel, inspectModel, type OpenedModel, type OpenModelOptions } from './model/open.js';

// Runtime
export { ModelSession } from './runtime/session.js';
export { InstrumentedModel } from './runtime/instrumented.js';

// Images
export * from './images/index.js';

// Recording
export { record } from './record/recorder.js';
export { POOLINGS, type Pooling, type RecordOptions, type RecordHooks, type RecordProgress, type RecordResult, type RunManifest, type LayerRecord, type ArtifactRecord } from './record/types.js';
export { poolBatch } from './record/pool.js';
export { computeNeuronStats, STATS_COLUMNS } from './record/stats.js';

// Storage
export { readNpy, writeNpy, readNpyRows, NpyReader } from './store/npy.js';

// Concept hierarchy
export { finch, type FinchOptions, type FinchResult } from './cluster/finch.js';
export { buildConcepts, type ConceptsOptions, type ConceptsResult } from './concepts/pipeline.js';
export type { ConceptCluster, ConceptLayer } from './concepts/types.js';
export { adjustedRandIndex, purity } from './concepts/agreement.js';
export { tfidf, loadCaptions, extractiveCaptions } from './text/index.js';
export type { Captioner, TextEmbedder } from './text/types.js';
export { LlmClient } from './llm/client.js';

// Concept circuits
export { CircuitFinder, type CircuitQuery, type CircuitQueryResult } from './circuits/discover.js';
export { writeCircuits } from './circuits/write.js';
export { evaluateCircuits } from './circuits/eval.js';
export { diagnoseQuery } from './circuits/diagnose.js';
export { longestCommonPath } from './circuits/common.js';
export { SensitivityEngine } from './circuits/sensitivity.js';
export { potThreshold } from './circuits/pot.js';
export type { CircuitFile, CommonFile, CircuitsEvalFile, CircuitsDiagnosisFile } from './circuits/formats.js';

// Demo
export { runDemo, type DemoOptions, type DemoResult } from './demo/demo.js';

// Unit correction
export { editModel, evaluateEdit, type EditOptions, type EditResult } from './edit/index.js';

// Explorer
export { startServer, type ServeOptions, type ExplorerServer } from './server/server.js';
export { exportReport, type ExportOptions, type ExportResult } from './server/export.js';
export type * from './server/api.js';

// Neuron statistics, exemplars, dissection
export { runNeurons, NEURONS_DEFAULTS } from './neurons/index.js';
export type * from './neurons/types.js';
export type { DissectionFile, DissectionNeuron } from './neurons/dissect.js';
export type { CaptionLabel, CaptionLabelsFile } from './neurons/caption-labels.js';
export type { ConceptProbes, ProbeLayer, ProbeScores } from './probes/pipeline.js';

// Attribution maps and their evaluation
export * from './attribution/types.js';
export { openAttributor, createAttributor, parseTarget, fillBaseline, runAttribution, type AttributionRunOptions, type AttributionRunResult } from './attribution/index.js';
export { registerMethod, listMethods, methodNames, type AttributionMethodSpec, type MethodOption, type MethodRun } from './attribution/index.js';
export { evaluateAttributions, type EvalOutput } from './attribution/eval/index.js';
export type { EvalAttributionsOptions, EvalResult } from './attribution/eval/types.js';
export type { AttributionEntry, AttributionFile, StoredMethodOptions } from './attribution/index.js';

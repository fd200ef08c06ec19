/**
 * neurolens — the library. Everything the CLI does is available here; the library never prints.
 */
export { NeurolensError, isNeurolensError, type ErrorKind } from './errors.js';
// Every user-facing sentence, for front ends that print them (the library only throws them).
export * from './messages/index.js';

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
export { checkProvider } from './runtime/provider.js';
export { InstrumentedModel } from './runtime/instrumented.js';
export { GradientModel, buildGradientModel, type GradientModelOptions, type GradientRunResult } from './grad/model.js';
export { supportedOps as gradientOps } from './grad/rules/index.js';
export type { GradientSpec, GradientTarget, VjpRule, RuleSpec, RuleContext, GradEmitter } from './grad/types.js';

// Images
export * from './images/index.js';

// Recording
export { record } from './record/recorder.js';
export { recordShard, type RecordShardResult, type FinishedRecordShard } from './record/shard-record.js';
export { mergeShards, type MergeHooks, type MergeResult, type MergedStage } from './shards/merge.js';
export { listShards, parseShard, checkShard, shardUnits, shardFolder, SHARD_STAGES, STAGE_COMMAND, type ShardSpec, type ShardStage, type ShardStatus, type ShardRange, type FinishedShardHeader, type FinishedShard, type ShardRunHeader } from './shards/spec.js';
export { evaluateCircuitsShard, type EvalShardResult, type FinishedEvalShard } from './circuits/eval-shards.js';
export { runAttributionShard, type AttributionShardResult, type FinishedAttributionShard } from './attribution/shards.js';
export { evaluateAttributionsShard, type AttributionEvalShardResult, type FinishedAttributionEvalShard } from './attribution/eval/shards.js';
export { DEFAULT_BATCH, DEFAULT_CHUNK, DEFAULT_TOP_K } from './record/plan.js';
export { POOLINGS, type Pooling, type RecordOptions, type RecordHooks, type RecordProgress, type RecordResult, type RunManifest, type LayerRecord, type ArtifactRecord } from './record/types.js';
export { openRun, recordCommand, RUN_FORMAT_VERSION, type OpenRun, type RunNeeds, type RunImageRow } from './run/index.js';
export { poolBatch } from './record/pool.js';
export { computeNeuronStats, STATS_COLUMNS } from './record/stats.js';

// Storage
export { readNpy, writeNpy, readNpyRows, NpyReader } from './store/npy.js';
export { withRunLock, acquireRunLock, RUN_LOCK_FILE, type RunLockOwner, type RunLockOptions } from './store/lock.js';

// Concept hierarchy
export { finch, type FinchOptions, type FinchResult } from './cluster/finch.js';
export { buildConcepts, type ConceptsOptions, type ConceptsResult } from './concepts/pipeline.js';
export { CONCEPTS_DEFAULTS } from './concepts/defaults.js';
export type { ActiveRule } from './concepts/active.js';
export type { ConceptCluster, ConceptLayer } from './concepts/types.js';
export { adjustedRandIndex, purity } from './concepts/agreement.js';
export { tfidf, loadCaptions, extractiveCaptions } from './text/index.js';
export type { Captioner, TextEmbedder } from './text/types.js';
export { LlmClient } from './llm/client.js';

// Concept circuits
export { CircuitFinder, type CircuitQuery, type CircuitQueryResult } from './circuits/discover.js';
export { writeCircuits, parseQuery } from './circuits/write.js';
export { evaluateCircuits, formatEvalTable, type AblationOption, type EvalOptions, type EvalHooks } from './circuits/eval.js';
export { diagnoseQuery, formatDiagnosis } from './circuits/diagnose.js';
export { CIRCUITS_DEFAULTS } from './circuits/defaults.js';
export { parseSupportGate, SUPPORT_GATES, type SupportGate } from './circuits/support.js';
export { longestCommonPath } from './circuits/common.js';
export { SensitivityEngine } from './circuits/sensitivity.js';
export { potThreshold } from './circuits/pot.js';
export type { CircuitFile, CommonFile, CircuitsEvalFile, CircuitsDiagnosisFile } from './circuits/formats.js';

// Demo
export { runDemo, DEFAULT_DEMO_OUT, type DemoOptions, type DemoResult } from './demo/demo.js';
export { formatSeedTable, type SeedTableRun } from './demo/seed-table.js';

// Unit correction
export { editModel, evaluateEdit, formatEditSummary, parseAblate, parseScale, DEFAULT_EVAL_BATCH, DEFAULT_SCALE, type EditOptions, type EditResult, type NeuronSpec } from './edit/index.js';

// Explorer
export { startServer, type ServeOptions, type ExplorerServer } from './server/server.js';
export { SERVE_DEFAULTS } from './server/defaults.js';
export { exportReport, type ExportOptions, type ExportResult } from './server/export.js';
export type * from './server/api.js';

// Probes
export { runProbes, type ProbeOptions, type ProbeHooks, type ProbeResult } from './probes/pipeline.js';
export { PROBE_DEFAULTS } from './probes/defaults.js';
export { probeHeadline, headlineText, withInterval, type ProbeHeadline } from './probes/headline.js';
export { bootstrapIntervals, wilsonInterval, CONFIDENCE, type Interval, type MetricIntervals, type BootstrapOptions } from './probes/bootstrap.js';

// Neuron statistics, exemplars, dissection
export { runNeurons, NEURONS_DEFAULTS, EFFECTS_DEFAULTS } from './neurons/index.js';
export type * from './neurons/effects-types.js';
export type * from './neurons/types.js';
export type { DissectionFile, DissectionNeuron } from './neurons/dissect.js';
export type { NeuronLabelsFile } from './neurons/caption-labels.js';
export type { EnrichmentLabel, LabelEvidence } from './neurons/enrichment.js';

// Feature visualisation by optimisation
export { visualize, visualizeShard, VISUALIZE_DEFAULTS, type VisualizeShardResult, type FinishedVisualizeShard } from './visualize/index.js';
export type * from './visualize/types.js';
export type { ConceptProbes, ProbeLayer, ProbeScores } from './probes/layer-probes.js';

// Attribution maps and their evaluation
export * from './attribution/types.js';
export { openAttributor, createAttributor, parseTarget, fillBaseline, runAttribution, DEFAULT_MAX_BATCH, type AttributionRunOptions, type AttributionRunHooks, type AttributionRunResult } from './attribution/index.js';
export { FILL_KINDS, type FillKind } from './attribution/fill.js';
export { evaluateAttributions, formatSummary as formatAttributionEvalSummary, checkCurves, checkMethods, EVAL_DEFAULTS, BASELINE_KINDS, CURVE_KINDS, type BaselineKind, type CurveKind, type EvalOutput } from './attribution/eval/index.js';
export { registerMethod, listMethods, methodNames, methodOptions, methodsUsing, rawMethodNames, checkRawMethod, parseOptionText, type AttributionMethodSpec, type MethodOption, type MethodResult, type MethodRun } from './attribution/index.js';
export type { EvalAttributionsOptions, EvalResult } from './attribution/eval/types.js';
export type { AttributionEntry, AttributionFile, StoredMethodOptions } from './attribution/index.js';

// TCAV
export { runTcav, summaryTable as tcavSummaryTable, TCAV_DEFAULTS, MIN_RANDOM as TCAV_MIN_RANDOM, type TcavOptions, type TcavHooks, type TcavResult, type TcavFile, type TcavConcept } from './tcav/index.js';
// Distributed execution: bullmq and ioredis load inside these functions, on first use only.
export { submit, startWorker, queueStatus, waitForStage, checkRedisUrl, DEFAULT_QUEUE, DEFAULT_SHARDS, DEFAULT_ATTEMPTS, SHARDED_STAGES, type StatusOptions } from './scale/index.js';
export type { ShardedStage, StageOptions, SubmitOptions, SubmitResult, WorkerOptions, WorkerEvent, RunningWorker, ShardState, QueuedShardStatus, StageStatus } from './scale/types.js';

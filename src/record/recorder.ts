/**
 * `record`: stream an image collection through a model and store per-neuron pooled activations,
 * model outputs, an images table and per-neuron summaries in a RUN directory. Resumable: chunks
 * are journaled, and re-running the same command continues where a crash stopped it. On a finished
 * run it checks the artefacts and rebuilds a missing or damaged one. The RUN is locked while written.
 */
import { performance } from 'node:perf_hooks';
import { availableParallelism } from 'node:os';
import { NeurolensError } from '../errors.js';
import { imageMessages, recordMessages } from '../messages/index.js';
import { decodeConcurrency, decodeImage, tuneDecoding } from '../images/index.js';
import { InstrumentedModel } from '../runtime/instrumented.js';
import { removeStaleTempFiles } from '../store/atomic.js';
import { withRunLock } from '../store/lock.js';
import { OrderedPrefetch } from './prefetch.js';
import { planRun, type RunPlan } from './plan.js';
import { openRun, startRebuild, type ChunkRecord, type RunState } from './state.js';
import { recordChunk } from './chunk.js';
import { finalizeRun, writeNeuronStats } from './finalize.js';
import { dropChangedChunks } from './resume-check.js';
import { isDerived, verifyArtifacts, type DamagedArtifact } from './verify.js';
import type { RecordHooks, RecordOptions, RecordResult, RunManifest } from './types.js';

export async function record(options: RecordOptions, hooks: RecordHooks = {}): Promise<RecordResult> {
  return withRunLock(options.out, 'record', () => recordLocked(options, hooks), { create: true, onWarning: hooks.onWarning });
}

/** Recomputes the damaged summaries (stats, top-k) from the intact activation matrices. */
async function rebuildDerived(plan: RunPlan, manifest: RunManifest, damaged: readonly DamagedArtifact[]): Promise<void> {
  const pairs = new Set(damaged.map((d) => `${d.artifact.layer}\u0000${d.artifact.pooling}`));
  for (const layer of plan.layers) {
    for (const pooling of plan.poolings) {
      if (pairs.has(`${layer.id}\u0000${pooling}`)) await writeNeuronStats(plan, layer, pooling, manifest.images.count);
    }
  }
}

async function recordLocked(options: RecordOptions, hooks: RecordHooks): Promise<RecordResult> {
  const started = performance.now();
  const plan = await planRun(options);
  const seconds = () => (performance.now() - started) / 1000;
  const run = await openRun(plan, hooks.onWarning);
  // Half-written files of a writer killed mid-write (only once the folder is known to be our run).
  for (const folder of plan.layout.writeFolders) await removeStaleTempFiles(folder);
  let rebuilt: string[] = [];
  let progress: { state: RunState; done: Map<number, ChunkRecord> };
  if (run.status === 'complete') {
    const { manifest } = run;
    const damaged = await verifyArtifacts(plan.layout.root, manifest);
    const summary = { manifestPath: plan.layout.manifest, images: manifest.images.count, skipped: manifest.images.skipped, recordedNow: 0 };
    if (damaged.length === 0) return { status: 'unchanged', rebuilt, ...summary, seconds: seconds() };
    for (const d of damaged) hooks.onWarning?.(recordMessages.artefactDamaged(d.artifact.path, d.reason));
    rebuilt = damaged.map((d) => d.artifact.path);
    if (damaged.every((d) => isDerived(d.artifact))) {
      await rebuildDerived(plan, manifest, damaged);
      return { status: 'repaired', rebuilt, ...summary, seconds: seconds() };
    }
    // A recorded matrix or table is damaged: record the images again (same bytes as before).
    progress = await startRebuild(plan, manifest);
  } else {
    progress = run;
    if (run.status === 'resume') await dropChangedChunks(plan, run.done, hooks.onWarning);
  }
  const chunkCount = Math.ceil(plan.entries.length / progress.state.chunkSize);
  const recordedNow = await recordMissingChunks(plan, progress.state, progress.done, options, hooks);
  const manifest = await finalizeRun(plan, progress.state, chunkCount, hooks.onProgress);
  return {
    status: rebuilt.length > 0 ? 'repaired' : 'complete',
    rebuilt,
    manifestPath: plan.layout.manifest,
    images: manifest.images.count,
    skipped: manifest.images.skipped,
    recordedNow,
    seconds: seconds(),
  };
}

/** Records every chunk not in `done`; returns the number of images recorded. */
async function recordMissingChunks(plan: RunPlan, state: RunState, done: Map<number, ChunkRecord>, options: RecordOptions, hooks: RecordHooks): Promise<number> {
  const { entries } = plan;
  const chunkCount = Math.ceil(entries.length / state.chunkSize);
  const todo = Array.from({ length: chunkCount }, (_, c) => c).filter((c) => !done.has(c));
  let processed = [...done.values()].reduce((sum, r) => sum + r.images + r.skipped, 0);
  let skipped = [...done.values()].reduce((sum, r) => sum + r.skipped, 0);
  let recordedNow = 0;
  if (todo.length === 0) return 0;

  tuneDecoding();
  const model = await InstrumentedModel.create(
    plan.opened.loaded.model,
    { taps: plan.layers.map((l) => l.tensor) },
    { threads: options.threads ?? availableParallelism(), executionProvider: options.executionProvider ?? 'cpu' },
  );
  const order = todo.flatMap((c) => {
    const first = c * state.chunkSize;
    return Array.from({ length: Math.min(state.chunkSize, entries.length - first) }, (_, i) => first + i);
  });
  const decode = async (i: number) => {
    const entry = entries[order[i]!]!;
    if (entry.brokenLink) throw new NeurolensError('input', imageMessages.decodeFailed(entry.relPath, imageMessages.reasonBrokenLink()));
    return decodeImage(entry.path, plan.prep, { displayPath: entry.relPath });
  };
  const prefetch = new OrderedPrefetch(order.length, decode, Math.max(decodeConcurrency(), 2) + state.batch);
  const recordStart = performance.now();
  let lastReport = 0;
  const report = (force = false) => {
    const now = performance.now();
    if (!force && now - lastReport < 200) return;
    lastReport = now;
    const rate = recordedNow / Math.max((now - recordStart) / 1000, 1e-9);
    const left = entries.length - processed;
    hooks.onProgress?.({ phase: 'record', done: processed, total: entries.length, skipped, rate, etaSeconds: rate > 0 ? left / rate : undefined });
  };
  try {
    report(true);
    for (const chunk of todo) {
      await recordChunk(
        {
          plan,
          model,
          prefetch,
          batch: state.batch,
          chunkSize: state.chunkSize,
          onWarning: hooks.onWarning,
          onImage: (wasSkipped) => {
            processed++;
            if (wasSkipped) skipped++;
            else recordedNow++;
            report();
          },
        },
        chunk,
      );
    }
    report(true);
  } finally {
    await model.close();
  }
  return recordedNow;
}

/**
 * `record`: stream an image collection through a model and store per-neuron pooled activations,
 * model outputs, an images table and per-neuron summaries in a RUN directory. Resumable: chunks
 * are journaled, and re-running the same command continues where a crash stopped it. On a finished
 * run it checks the artefacts and rebuilds a missing or damaged one. The RUN is locked while written.
 */
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { recordMessages } from '../messages/index.js';
import { removeStaleTempFiles } from '../store/atomic.js';
import { withRunLock } from '../store/lock.js';
import { checkProvider } from '../runtime/provider.js';
import { prestartWorker } from '../runtime/session.js';
import { planRun, type RunPlan } from './plan.js';
import type { RunLayout } from './layout.js';
import { openRun, startRebuild, type ChunkRecord, type RunState } from './state.js';
import { finalizeRun, manifestBase, writeNeuronStats } from './finalize.js';
import { chunkRange, recordMissingChunks } from './record-chunks.js';
import { dropChangedChunks } from './resume-check.js';
import { isDerived, verifyArtifacts, type DamagedArtifact } from './verify.js';
import type { RecordHooks, RecordOptions, RecordResult, RunManifest } from './types.js';

export async function record(options: RecordOptions, hooks: RecordHooks = {}): Promise<RecordResult> {
  // A new run folder is not created for a device that cannot start (an existing run is left to its
  // own checks: a finished one needs no session at all).
  if (!existsSync(options.out)) await checkProvider(options.executionProvider);
  // onnxruntime loads in a worker while the run is planned (a finished run ends it unused).
  const spare = prestartWorker();
  try {
    return await withRunLock(options.out, 'record', () => recordLocked(options, hooks), { create: true, onWarning: hooks.onWarning });
  } finally {
    spare.release();
  }
}

/** Recomputes the damaged summaries (stats, top-k) from the intact activation matrices. */
async function rebuildDerived(plan: RunPlan, manifest: RunManifest, damaged: readonly DamagedArtifact[]): Promise<void> {
  const pairs = new Set(damaged.map((d) => `${d.artifact.layer}\u0000${d.artifact.pooling}`));
  for (const layer of plan.layers) {
    for (const pooling of plan.poolings) {
      if (pairs.has(`${layer.id}\u0000${pooling}`)) await writeNeuronStats(plan.layout, plan.topK, layer, pooling, manifest.images.count);
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
  const recordedNow = await recordMissingChunks(plan, progress.state, progress.done, chunkRange(0, chunkCount), options, hooks);
  const target = { layout: plan.layout, base: manifestBase(plan), createdAt: progress.state.createdAt, chunkLayouts: Array<RunLayout>(chunkCount).fill(plan.layout) };
  const manifest = await finalizeRun(target, hooks.onProgress);
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

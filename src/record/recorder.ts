/**
 * `record`: stream an image collection through a model and store per-neuron pooled activations,
 * model outputs, an images table and per-neuron summaries in a RUN directory. Resumable: chunks
 * are journaled, and re-running the same command continues where a crash stopped it.
 */
import { performance } from 'node:perf_hooks';
import { availableParallelism } from 'node:os';
import { decodeConcurrency, decodeImage, tuneDecoding } from '../images/index.js';
import { InstrumentedModel } from '../runtime/instrumented.js';
import { OrderedPrefetch } from './prefetch.js';
import { planRun } from './plan.js';
import { openRun } from './state.js';
import { recordChunk } from './chunk.js';
import { finalizeRun } from './finalize.js';
import type { RecordHooks, RecordOptions, RecordResult } from './types.js';

export async function record(options: RecordOptions, hooks: RecordHooks = {}): Promise<RecordResult> {
  const started = performance.now();
  const plan = await planRun(options);
  const run = await openRun(plan, hooks.onWarning);
  const seconds = () => (performance.now() - started) / 1000;
  if (run.status === 'complete') {
    const { images } = run.manifest;
    return { status: 'unchanged', manifestPath: plan.layout.manifest, images: images.count, skipped: images.skipped, recordedNow: 0, seconds: seconds() };
  }
  const { state, done } = run;
  const { entries } = plan;
  const chunkCount = Math.ceil(entries.length / state.chunkSize);
  const todo = Array.from({ length: chunkCount }, (_, c) => c).filter((c) => !done.has(c));
  let processed = [...done.values()].reduce((sum, r) => sum + r.images + r.skipped, 0);
  let skipped = [...done.values()].reduce((sum, r) => sum + r.skipped, 0);
  let recordedNow = 0;

  if (todo.length > 0) {
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
    const prefetch = new OrderedPrefetch(
      order.length,
      (i) => decodeImage(entries[order[i]!]!.path, plan.prep, { displayPath: entries[order[i]!]!.relPath }),
      Math.max(decodeConcurrency(), 2) + state.batch,
    );
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
  }
  const manifest = await finalizeRun(plan, state, chunkCount, hooks.onProgress);
  return { status: 'complete', manifestPath: plan.layout.manifest, images: manifest.images.count, skipped: manifest.images.skipped, recordedNow, seconds: seconds() };
}

/**
 * `circuits eval --shard I/N`: evaluates a contiguous share of the chosen queries (in the order
 * eval.json lists them) into `RUN/shards/circuits-eval-I-of-N/` (see src/shards/spec.ts), one
 * journal line per query, so a killed shard loses only the query in progress. A query's measures
 * depend only on the settings and its index, and the merge computes the summary from all of them
 * as one `circuits eval` does, so the merged eval.json is byte-identical.
 */
import { join } from 'node:path';
import { NeurolensError } from '../errors.js';
import { shardMessages } from '../messages/shards.js';
import { writeJsonAtomic } from '../store/atomic.js';
import { appendJournal, readJournal, recoverJournal } from '../store/journal.js';
import { RunLayout } from '../record/layout.js';
import { readManifestIfAny } from '../record/state.js';
import {
  checkShard, claimShard, completeSplit, finishShard, fromExactJson, toExactJson, rangePath, shardJournal, shardUnits, withShardLock,
  type FinishedShard, type ShardRange, type ShardRunHeader, type ShardSpec, type ShardStatus,
} from '../shards/spec.js';
import { assembleEval, openEval, writeEval, type EvalHooks, type EvalOptions, type EvalSettings, type EvaluatedQuery } from './eval.js';

/** The settings a shard keeps: those of eval.json, less where it goes (`out` is kept apart). */
type ShardSettings = Omit<EvalSettings, 'out'>;

/** A finished circuits-eval shard's `shard.json`. */
export type FinishedEvalShard = FinishedShard<'circuits-eval', {
  settings: ShardSettings;
  chosen: number[];
  /** The --out given (null: RUN/circuits/eval.json of the merged run). */
  out: string | null;
}>;

/** What every shard of a split must agree on. */
const agreed = (s: FinishedEvalShard) => ({ ...s.settings, chosen: s.chosen, out: s.out });

interface JournaledQuery extends EvaluatedQuery {
  index: number;
}

export interface EvalShardResult extends ShardRunHeader {
  /** Queries of this shard, and those evaluated by this call. */
  queries: number;
  evaluatedNow: number;
}

/** Evaluates shard `spec` of the queries `options` chooses; every shard must get the same options. */
export async function evaluateCircuitsShard(options: EvalOptions, spec: ShardSpec, hooks: EvalHooks = {}): Promise<EvalShardResult> {
  checkShard(spec);
  const session = await openEval(options);
  try {
    return await withShardLock(options.run, 'circuits-eval', spec, async (dir) => {
      const { out: _out, ...settings } = session.settings;
      const finished = await claimShard(dir, 'circuits-eval', { ...settings, chosen: session.chosen, out: options.out ?? null }, agreed);
      const [first, end] = shardUnits(spec, session.chosen.length);
      const result = { ...spec, dir, queries: end - first };
      if (finished) return { status: 'unchanged', ...result, evaluatedNow: 0 };
      const range: ShardRange = { unit: 'query', first, end, total: session.chosen.length };
      await writeJsonAtomic(rangePath(dir), range);
      const journal = shardJournal('circuits-eval', dir);
      const done = new Set((await recoverJournal<JournaledQuery>(journal)).map((q) => q.index));
      let evaluatedNow = 0;
      for (let i = first; i < end; i++) {
        const index = session.chosen[i]!;
        if (done.has(index)) continue;
        hooks.signal?.throwIfAborted();
        await appendJournal(journal, toExactJson({ index, ...(await session.evaluate(index)) } satisfies JournaledQuery));
        evaluatedNow++;
        hooks.onProgress?.({ done: i + 1 - first, total: end - first });
      }
      await finishShard(dir, 'circuits-eval', spec, range, { settings, chosen: session.chosen, out: options.out ?? null });
      return { status: 'complete', ...result, evaluatedNow };
    });
  } finally {
    await session.close();
  }
}

/**
 * Writes eval.json from the circuits-eval shards of `run` (the caller holds the locks); returns
 * its path and query count. Refuses shards made with different options or on a different recording.
 */
export async function mergeEvalShards(run: string, statuses: readonly ShardStatus<FinishedEvalShard>[]): Promise<{ path: string; units: number }> {
  const finished = completeSplit(run, 'circuits-eval', statuses, agreed);
  const first = finished[0]!;
  const manifest = await readManifestIfAny(new RunLayout(run));
  if (manifest?.fingerprint !== first.settings.run.fingerprint) throw new NeurolensError('conflict', shardMessages.shardsOfAnotherRun(run, 'circuits eval', statuses[0]!.dir));
  const evaluated: EvaluatedQuery[] = [];
  for (const [i, shard] of finished.entries()) {
    const journaled = await readJournal<unknown>(shardJournal('circuits-eval', statuses[i]!.dir));
    const records = new Map(journaled.map((q) => fromExactJson<JournaledQuery>(q)).map((q) => [q.index, q]));
    for (let q = shard.range.first; q < shard.range.end; q++) {
      const { index: _index, ...query } = records.get(shard.chosen[q]!)!;
      evaluated.push(query);
    }
  }
  const out = first.out ?? join(run, 'circuits', 'eval.json');
  await writeEval(out, assembleEval({ ...first.settings, out }, first.chosen, evaluated));
  return { path: out, units: first.chosen.length };
}

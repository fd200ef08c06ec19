/**
 * Shards: a stage's work (the images of a `record`, the queries of a `circuits eval`) cut into N
 * contiguous ranges in the order the single-process stage uses. Shard I of N writes only into
 * `RUN/shards/<stage>-I-of-N/`, locked by that folder's lock, so shards run at the same time in
 * different processes (or machines sharing the folder) and a killed shard loses only its own
 * unfinished unit. Every shard folder holds `range.json` (its share, written when it starts), a
 * journal of the units it finished, and `shard.json`, written atomically when its last unit is
 * journaled: the mark that it is finished. `merge RUN` (merge.ts) assembles finished shards into
 * the very files the single-process stage writes.
 */
import { mkdir, readdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { NeurolensError } from '../errors.js';
import { shardMessages } from '../messages/shards.js';
import { readJournal } from '../store/journal.js';
import { stableJson, writeJsonAtomic } from '../store/atomic.js';
import { readTextIfExists, wrapFsError } from '../store/fs-errors.js';
import { withRunLock } from '../store/lock.js';

/** Which shard: `index` of `count` (0 ≤ index < count). */
export interface ShardSpec {
  index: number;
  count: number;
}

/** The stages that can be split into shards (their folders are named after them). */
export type ShardStage = 'record' | 'circuits-eval' | 'attribute' | 'attribute-eval' | 'visualize';
export const SHARD_STAGES: readonly ShardStage[] = ['record', 'circuits-eval', 'attribute', 'attribute-eval', 'visualize'];
/** The command that records a stage's shards (for messages saying what to run). */
export const STAGE_COMMAND: Record<ShardStage, string> = { record: 'record', 'circuits-eval': 'circuits eval', attribute: 'attribute', 'attribute-eval': 'attribute eval', visualize: 'visualize' };

/** What running a shard returns first; each stage adds its counts. */
export interface ShardRunHeader extends ShardSpec {
  /** 'complete' when this call finished the shard; 'unchanged' when it was already finished. */
  status: 'complete' | 'unchanged';
  /** The shard's folder. */
  dir: string;
}

/** Parses `I/N` (the CLI's --shard); throws NeurolensError('usage') naming --shard otherwise. */
export function parseShard(value: string): ShardSpec {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  if (!match) throw new NeurolensError('usage', shardMessages.badShard(value, shardMessages.notISlashN()));
  const spec = { index: Number(match[1]), count: Number(match[2]) };
  checkShard(spec, value);
  return spec;
}

/** Throws NeurolensError('usage') naming --shard unless 0 ≤ index < count (whole numbers). */
export function checkShard(spec: ShardSpec, shown = `${spec.index}/${spec.count}`): void {
  const { index, count } = spec;
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(count) || index < 0) throw new NeurolensError('usage', shardMessages.badShard(shown, shardMessages.notISlashN()));
  if (count === 0) throw new NeurolensError('usage', shardMessages.badShard(shown, shardMessages.zeroCount()));
  if (index >= count) throw new NeurolensError('usage', shardMessages.badShard(shown, shardMessages.indexTooLarge(index, count)));
}

/** The units `[first, end)` of shard `index` of `count` out of `total` units (possibly none). */
export function shardUnits(spec: ShardSpec, total: number): [number, number] {
  return [Math.floor((spec.index * total) / spec.count), Math.floor(((spec.index + 1) * total) / spec.count)];
}

export function shardsFolder(run: string): string {
  return join(run, 'shards');
}

export function shardFolder(run: string, stage: ShardStage, spec: ShardSpec): string {
  return join(shardsFolder(run), `${stage}-${spec.index}-of-${spec.count}`);
}

/**
 * Runs `fn` holding shard `spec`'s own lock (creating its folder), never the run's: shards of one
 * stage run at the same time, each in its own folder.
 */
export async function withShardLock<T>(run: string, stage: ShardStage, spec: ShardSpec, fn: (dir: string) => Promise<T>): Promise<T> {
  checkShard(spec);
  const dir = shardFolder(run, stage, spec);
  await mkdir(shardsFolder(run), { recursive: true }).catch((error: unknown) => {
    throw wrapFsError(error, shardsFolder(run));
  });
  return withRunLock(dir, `${STAGE_COMMAND[stage]} --shard`, () => fn(dir), { create: true });
}

/** Moves a file a shard wrote into the merged folder; one already moved by an interrupted merge is left. */
export async function moveShardFile(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && (await stat(to).then(() => true, () => false))) return;
    throw wrapFsError(error, from);
  }
}

/** `range.json`: the shard's share of the stage's units (record: chunks; circuits eval: queries; visualize: neurons). */
export interface ShardRange {
  unit: 'chunk' | 'query' | 'image' | 'neuron';
  first: number;
  end: number;
  /** Units of the whole stage. */
  total: number;
}

/** What every `shard.json` starts with; each stage adds what its merge needs. */
export interface FinishedShardHeader {
  format: 'neurolens-shard';
  formatVersion: 1;
  stage: ShardStage;
  index: number;
  count: number;
  range: ShardRange;
  /** Each stage's own fields (see its Finished…Shard type), open in the schema. */
  [stageField: string]: unknown;
}

/** A finished shard's `shard.json`: the header, then stage `S`'s own fields `F` (what its merge needs). */
export type FinishedShard<S extends ShardStage, F extends object> = FinishedShardHeader & { stage: S } & F;

/** Writes `shard.json`, the mark that the shard is finished: call it once its last unit is journaled. */
export async function finishShard<S extends ShardStage, F extends object>(dir: string, stage: S, spec: ShardSpec, range: ShardRange, fields: F): Promise<FinishedShard<S, F>> {
  const finished = { format: 'neurolens-shard', formatVersion: 1, stage, index: spec.index, count: spec.count, range, ...fields } as FinishedShard<S, F>;
  await writeJsonAtomic(finishedPath(dir), finished);
  return finished;
}

/**
 * Checks that the shard in `dir` is being run with the `settings` it was started with (`settingsOf`
 * its shard.json once finished, else its settings.json), throwing NeurolensError('conflict') that
 * names the folder otherwise. Returns its shard.json when finished; else records settings.json.
 */
export async function claimShard<F extends FinishedShardHeader>(dir: string, stage: ShardStage, settings: unknown, settingsOf: (finished: F) => unknown): Promise<F | undefined> {
  const finished = await readFinishedShard<F>(dir);
  const stored = finished ? settingsOf(finished) : await readShardJson<unknown>(settingsPath(dir), dir);
  if (stored !== undefined && stableJson(stored) !== stableJson(settings)) throw new NeurolensError('conflict', shardMessages.shardOptionsDiffer(dir, STAGE_COMMAND[stage]));
  if (!finished) await writeJsonAtomic(settingsPath(dir), settings);
  return finished;
}

export function rangePath(dir: string): string {
  return join(dir, 'range.json');
}

export function finishedPath(dir: string): string {
  return join(dir, 'shard.json');
}

/** The settings a shard was started with, until its shard.json holds them. */
function settingsPath(dir: string): string {
  return join(dir, 'settings.json');
}

/** The journal of finished units in a shard folder (record keeps its run-like `.record/` layout). */
export function shardJournal(stage: ShardStage, dir: string): string {
  return stage === 'record' ? join(dir, '.record', 'journal.jsonl') : join(dir, 'journal.jsonl');
}

/** Units a shard has finished: journal lines, or for attribute the images its attribution.json lists. */
async function unitsDone(stage: ShardStage, dir: string): Promise<number> {
  if (stage === 'attribute') {
    const file = await readShardJson<{ entries?: unknown[]; skipped?: unknown[] }>(join(dir, 'attribution.json'), dir);
    return (file?.entries?.length ?? 0) + (file?.skipped?.length ?? 0);
  }
  const units = await readJournal<{ chunk?: number; index?: number }>(shardJournal(stage, dir));
  return new Set(units.map((u) => u.chunk ?? u.index)).size;
}

/**
 * A value as plain JSON that reads back to the very same numbers: JSON keeps every finite double
 * exactly, and NaN and ±Infinity (which JSON has no form for) are tagged. For journals whose
 * numbers a merge recomputes summaries from.
 */
export function toExactJson(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : { $number: String(value) };
  if (Array.isArray(value)) return value.map(toExactJson);
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>, toExactJson);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toExactJson(v)]));
  return value;
}

/** The inverse of {@link toExactJson}. */
export function fromExactJson<T>(value: unknown): T {
  if (Array.isArray(value)) return value.map((v) => fromExactJson(v)) as T;
  if (value !== null && typeof value === 'object') {
    const tag = (value as { $number?: unknown }).$number;
    if (typeof tag === 'string' && Object.keys(value).length === 1) return Number(tag) as T;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromExactJson(v)])) as T;
  }
  return value as T;
}

/** Where a stage's shard stands, for a scheduler: finished or not, and its units done so far. */
export interface ShardStatus<F extends FinishedShardHeader = FinishedShardHeader> extends ShardSpec {
  stage: ShardStage;
  dir: string;
  complete: boolean;
  /** Units journaled so far. */
  done: number;
  /** The shard's units, once it has started (undefined before). */
  size?: number;
  unit?: ShardRange['unit'];
  finished?: F;
}

/** A shard's JSON file, or undefined when absent; damage names the shard folder to delete. */
export async function readShardJson<T>(path: string, dir: string): Promise<T | undefined> {
  const text = await readTextIfExists(path);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new NeurolensError('input', shardMessages.shardDamaged(path, (error as Error).message.split('\n')[0]!, dir), { cause: error });
  }
}

/** The shard's `shard.json`, or undefined while it is not finished. */
export async function readFinishedShard<F extends FinishedShardHeader>(dir: string): Promise<F | undefined> {
  return readShardJson<F>(finishedPath(dir), dir);
}

/** The shards of `stage` found in `run` (any split), ordered by count then index. */
export async function listShards<F extends FinishedShardHeader = FinishedShardHeader>(run: string, stage: ShardStage): Promise<ShardStatus<F>[]> {
  let names: string[];
  try {
    names = await readdir(shardsFolder(run));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw wrapFsError(error, shardsFolder(run));
  }
  const pattern = new RegExp(`^${stage}-(\\d+)-of-(\\d+)$`);
  const statuses: ShardStatus<F>[] = [];
  for (const name of names) {
    const match = pattern.exec(name);
    if (!match) continue;
    const spec = { index: Number(match[1]), count: Number(match[2]) };
    const dir = join(shardsFolder(run), name);
    const finished = await readFinishedShard<F>(dir);
    const range = finished?.range ?? (await readShardJson<ShardRange>(rangePath(dir), dir));
    statuses.push({
      stage,
      ...spec,
      dir,
      complete: finished !== undefined,
      done: await unitsDone(stage, dir),
      ...(range ? { size: range.end - range.first, unit: range.unit } : {}),
      ...(finished ? { finished } : {}),
    });
  }
  return statuses.sort((a, b) => a.count - b.count || a.index - b.index);
}

/**
 * The finished shards of one split, checked to be all there and finished, and with `settingsOf`
 * to agree on their settings; throws NeurolensError saying what to run otherwise. Without
 * `settingsOf`, whether they did the same work is the stage's check.
 */
export function completeSplit<F extends FinishedShardHeader>(run: string, stage: ShardStage, statuses: readonly ShardStatus<F>[], settingsOf?: (finished: F) => unknown): F[] {
  const command = STAGE_COMMAND[stage];
  if (statuses.length === 0) throw new NeurolensError('input', shardMessages.noShards(run));
  const counts = [...new Set(statuses.map((s) => s.count))];
  if (counts.length > 1) throw new NeurolensError('conflict', shardMessages.splitsDiffer(run, stage, counts));
  const count = counts[0]!;
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !statuses.some((s) => s.index === i));
  if (missing.length > 0) throw new NeurolensError('input', shardMessages.shardsMissing(run, command, missing, count));
  const unfinished = statuses.filter((s) => !s.complete).map((s) => s.index);
  if (unfinished.length > 0) throw new NeurolensError('input', shardMessages.shardsUnfinished(run, command, unfinished, count));
  const finished = statuses.map((s) => s.finished!);
  if (settingsOf) {
    const first = stableJson(settingsOf(finished[0]!));
    const other = finished.findIndex((f) => stableJson(settingsOf(f)) !== first);
    if (other >= 0) throw new NeurolensError('conflict', shardMessages.shardsDisagree(run, command, other, count, 'different options', statuses[other]!.dir));
  }
  return finished;
}

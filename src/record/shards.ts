/**
 * Shards of a recording: shard I of N records a contiguous range of whole chunks of the run's
 * image list, into `RUN/shards/record-I-of-N/`, a folder no other shard writes. Whole chunks keep
 * every batch as a single-process run forms it, so a chunk's bytes do not depend on which process
 * recorded it. A shard folder is laid out like a run in progress (`.record/` state, journal and
 * chunks; see layout.ts) plus `range.json` (its chunks, written when it starts) and `shard.json`
 * (written atomically when its last chunk is journaled: the mark that it is finished).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NeurolensError } from '../errors.js';
import { shardMessages } from '../messages/shards.js';
import { readJournal } from '../store/journal.js';
import { wrapFsError } from '../store/fs-errors.js';
import { RunLayout } from './layout.js';
import type { ManifestBase } from './finalize.js';
import type { ChunkRecord } from './state.js';

/** Which shard: `index` of `count` (0 ≤ index < count). */
export interface ShardSpec {
  index: number;
  count: number;
}

/** The stages that can be split into shards (the folder names start with it). */
export type ShardStage = 'record';

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

/** The chunks `[first, end)` of shard `index` of `count` in a run of `chunks` chunks (possibly none). */
export function shardChunks(spec: ShardSpec, chunks: number): [number, number] {
  return [Math.floor((spec.index * chunks) / spec.count), Math.floor(((spec.index + 1) * chunks) / spec.count)];
}

export function shardsFolder(run: string): string {
  return join(run, 'shards');
}

export function shardFolder(run: string, stage: ShardStage, spec: ShardSpec): string {
  return join(shardsFolder(run), `${stage}-${spec.index}-of-${spec.count}`);
}

/** `range.json`: the shard's share of the run, written when it starts. */
export interface ShardRange {
  chunks: [number, number];
  /** Chunks of the whole run. */
  chunkCount: number;
  /** Images in the shard's chunks. */
  images: number;
}

/** `shard.json`: written when the shard is finished; a merge needs nothing else from the model. */
export interface FinishedShard {
  format: 'neurolens-shard';
  formatVersion: 1;
  stage: ShardStage;
  index: number;
  count: number;
  chunks: [number, number];
  chunkCount: number;
  chunkSize: number;
  batch: number;
  createdAt: string;
  /** Images recorded and skipped by this shard. */
  recorded: number;
  skipped: number;
  base: ManifestBase;
}

export function rangePath(dir: string): string {
  return join(dir, 'range.json');
}

export function finishedPath(dir: string): string {
  return join(dir, 'shard.json');
}

/** Where a stage's shard stands, for a scheduler: finished or not, and its chunks done so far. */
export interface ShardStatus extends ShardSpec {
  stage: ShardStage;
  dir: string;
  complete: boolean;
  /** Chunks journaled so far. */
  chunksDone: number;
  /** The shard's chunks, once it has started (undefined before). */
  chunks?: number;
  finished?: FinishedShard;
}

async function readJson<T>(path: string, dir: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw wrapFsError(error, path);
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new NeurolensError('input', shardMessages.shardDamaged(path, (error as Error).message.split('\n')[0]!, dir), { cause: error });
  }
}

/** The shard's `shard.json`, or undefined while it is not finished. */
export async function readFinishedShard(dir: string): Promise<FinishedShard | undefined> {
  return readJson<FinishedShard>(finishedPath(dir), dir);
}

/** The shards of `stage` found in `run` (any split), ordered by count then index. */
export async function listShards(run: string, stage: ShardStage = 'record'): Promise<ShardStatus[]> {
  let names: string[];
  try {
    names = await readdir(shardsFolder(run));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw wrapFsError(error, shardsFolder(run));
  }
  const pattern = new RegExp(`^${stage}-(\\d+)-of-(\\d+)$`);
  const statuses: ShardStatus[] = [];
  for (const name of names) {
    const match = pattern.exec(name);
    if (!match) continue;
    const spec = { index: Number(match[1]), count: Number(match[2]) };
    const dir = join(shardsFolder(run), name);
    const finished = await readFinishedShard(dir);
    const range = await readJson<ShardRange>(rangePath(dir), dir);
    const journal = await readJournal<ChunkRecord>(new RunLayout(dir).journal);
    const chunks = range ? range.chunks[1] - range.chunks[0] : undefined;
    statuses.push({ stage, ...spec, dir, complete: finished !== undefined, chunksDone: new Set(journal.map((r) => r.chunk)).size, chunks, ...(finished ? { finished } : {}) });
  }
  return statuses.sort((a, b) => a.count - b.count || a.index - b.index);
}

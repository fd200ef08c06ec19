/**
 * The run directory's life cycle: a new run writes `.record/state.json` (its identity and the
 * settings it must keep on resume); each finished chunk appends a journal line; the manifest,
 * written last, marks the run complete. Opening an existing directory decides between no-op,
 * resume and a refusal — a different run is never overwritten.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { NeurolensError } from '../errors.js';
import { runMessages } from '../messages/run.js';
import { recordMessages, shardMessages } from '../messages/index.js';
import { writeJsonAtomic, removeTempFiles } from '../store/atomic.js';
import { RUN_LOCK_FILE } from '../store/lock.js';
import { recoverJournal } from '../store/journal.js';
import { readTextIfExists, wrapFsError } from '../store/fs-errors.js';
import type { RunPlan } from './plan.js';
import type { RunLayout } from './layout.js';
import type { RunManifest } from './types.js';

export interface RunState {
  fingerprint: string;
  identity: Record<string, string>;
  createdAt: string;
  batch: number;
  chunkSize: number;
}

export interface ChunkRecord {
  chunk: number;
  images: number;
  skipped: number;
}

export type OpenedRun =
  | { status: 'complete'; manifest: RunManifest }
  | { status: 'resume' | 'new'; state: RunState; done: Map<number, ChunkRecord> };

async function readJsonIfExists<T>(path: string, damaged: (detail: string) => string): Promise<T | undefined> {
  const text = await readTextIfExists(path);
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || typeof (value as { fingerprint?: unknown }).fingerprint !== 'string') throw new Error('no fingerprint');
    return value as T;
  } catch (error) {
    throw new NeurolensError('input', damaged((error as Error).message.split('\n')[0]!), { cause: error });
  }
}

/** The identity parts (model, images, layers …) two runs differ in, to name them in a refusal. */
export function differingParts(ours: Record<string, string>, theirs: Record<string, string> | undefined): string[] {
  if (!theirs) return ['format'];
  const parts = Object.keys(ours).filter((k) => ours[k] !== theirs[k]);
  return parts.length > 0 ? parts : ['settings'];
}

/** The creation time: SOURCE_DATE_EPOCH (reproducible-builds convention) when set, else now. */
export function creationTime(env: NodeJS.ProcessEnv = process.env): string {
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch && /^\d+$/.test(epoch)) return new Date(Number(epoch) * 1000).toISOString();
  return new Date().toISOString();
}

/** The manifest of the run at `layout`, or undefined when it has none (not finished). */
export async function readManifestIfAny(layout: RunLayout): Promise<(RunManifest & { identity?: Record<string, string> }) | undefined> {
  return readJsonIfExists<RunManifest & { identity?: Record<string, string> }>(layout.manifest, (d) => runMessages.manifestBroken(layout.manifest, d));
}

export async function openRun(plan: RunPlan, onWarning?: (message: string) => void): Promise<OpenedRun> {
  const { layout } = plan;
  const out = layout.root;
  const manifest = await readManifestIfAny(layout);
  if (manifest) {
    if (manifest.fingerprint === plan.fingerprint) {
      // A crash after the manifest was written can leave the work folder behind.
      await rm(layout.work, { recursive: true, force: true });
      return { status: 'complete', manifest };
    }
    throw new NeurolensError('conflict', recordMessages.runConflict(out, differingParts(plan.identity, manifest.identity)));
  }
  const state = await readJsonIfExists<RunState>(layout.state, (d) => recordMessages.manifestDamaged(layout.state, d, out));
  if (state) {
    if (state.fingerprint !== plan.fingerprint) {
      throw new NeurolensError('conflict', recordMessages.runConflict(out, differingParts(plan.identity, state.identity)));
    }
    if (state.batch !== plan.batch) onWarning?.(recordMessages.resumeSettings('--batch', state.batch, plan.batch));
    await removeTempFiles(layout.work);
    const records = await recoverJournal<ChunkRecord>(layout.journal);
    return { status: 'resume', state, done: new Map(records.map((r) => [r.chunk, r])) };
  }
  let existing: string[] = [];
  try {
    // The lock is ours: the folder still counts as empty.
    existing = (await readdir(out)).filter((name) => name !== RUN_LOCK_FILE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw wrapFsError(error, out);
  }
  // Shards are merged, not recorded over (a run without --shard would ignore their work).
  if (existing.includes('shards')) throw new NeurolensError('conflict', shardMessages.shardsPresent(out));
  if (existing.length > 0) throw new NeurolensError('conflict', recordMessages.notARun(out));
  const fresh: RunState = { fingerprint: plan.fingerprint, identity: plan.identity, createdAt: creationTime(), batch: plan.batch, chunkSize: plan.chunkSize };
  try {
    await mkdir(layout.work, { recursive: true });
    await writeJsonAtomic(layout.state, fresh);
  } catch (error) {
    throw wrapFsError(error, layout.state);
  }
  return { status: 'new', state: fresh, done: new Map() };
}

/**
 * Turns a finished run whose recorded artefacts are damaged back into a run in progress with no
 * finished chunk, keeping its creation time, so recording it again gives the original bytes.
 * The state is written before the manifest goes: a crash in between leaves a complete run that is
 * verified (and rebuilt) again; a crash later leaves an ordinary run to resume.
 */
export async function startRebuild(plan: RunPlan, manifest: RunManifest): Promise<{ state: RunState; done: Map<number, ChunkRecord> }> {
  const { layout } = plan;
  const state: RunState = { fingerprint: plan.fingerprint, identity: plan.identity, createdAt: manifest.createdAt, batch: plan.batch, chunkSize: plan.chunkSize };
  try {
    await mkdir(layout.work, { recursive: true });
    await writeJsonAtomic(layout.state, state);
    await rm(layout.manifest, { force: true });
  } catch (error) {
    throw wrapFsError(error, layout.state);
  }
  return { state, done: new Map() };
}

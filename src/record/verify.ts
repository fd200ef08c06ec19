/**
 * Checking a finished run's artefacts before `record` calls it complete: every file the manifest
 * lists exists, each `.npy` header matches the manifest's dtype and shape and the file size matches
 * the header, and the tables parse with the listed number of rows. Only headers, footers and the
 * small skipped list are read, so a healthy run stays a fast no-op.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet';
import { NeurolensError } from '../errors.js';
import { runMessages } from '../messages/run.js';
import { recordMessages } from '../messages/index.js';
import { readNpyHeader, NPY_DTYPES, type NpyHeader } from '../store/npy.js';
import type { ArtifactRecord, RunManifest } from './types.js';

export interface DamagedArtifact {
  artifact: ArtifactRecord;
  /** Short reason, e.g. 'missing' or 'truncated'. */
  reason: string;
}

/** Artefacts computed from the activation matrices (rebuilt without re-reading the images). */
export function isDerived(artifact: ArtifactRecord): boolean {
  return artifact.role === 'stats' || artifact.role === 'topk';
}

/** How a `.npy` header differs from the manifest's record of the file ('dtype', 'shape'), or undefined. */
export function npyDifference(header: NpyHeader, expected: Pick<ArtifactRecord, 'dtype' | 'shape'>): 'dtype' | 'shape' | undefined {
  if (NPY_DTYPES[header.dtype].descr !== expected.dtype) return 'dtype';
  const same = header.shape.length === expected.shape.length && expected.shape.every((n, i) => n === header.shape[i]);
  return same ? undefined : 'shape';
}

async function checkNpy(path: string, artifact: ArtifactRecord): Promise<string | undefined> {
  const header = await readNpyHeader(path);
  const difference = npyDifference(header, artifact);
  if (difference === 'dtype') return `dtype ${NPY_DTYPES[header.dtype].descr}, the manifest says ${artifact.dtype}`;
  if (difference === 'shape') return `shape [${header.shape.join(', ')}], the manifest says [${artifact.shape.join(', ')}]`;
  return undefined;
}

async function checkParquet(path: string, artifact: ArtifactRecord): Promise<string | undefined> {
  const metadata = await parquetMetadataAsync(await asyncBufferFromFile(path));
  const rows = Number(metadata.num_rows);
  return rows === artifact.shape[0] ? undefined : `${rows} rows, the manifest says ${artifact.shape[0]}`;
}

async function checkJsonLines(path: string, artifact: ArtifactRecord): Promise<string | undefined> {
  const text = await readFile(path, 'utf8');
  if (text !== '' && !text.endsWith('\n')) return 'truncated';
  const lines = text.split('\n').filter((l) => l !== '');
  for (const line of lines) JSON.parse(line);
  return lines.length === artifact.shape[0] ? undefined : `${lines.length} lines, the manifest says ${artifact.shape[0]}`;
}

/** Why `artifact` (under `root`) is unusable, or undefined when it is intact. */
export async function checkArtifact(root: string, artifact: ArtifactRecord): Promise<string | undefined> {
  const path = join(root, artifact.path);
  try {
    if (artifact.dtype === 'parquet') return await checkParquet(path, artifact);
    if (artifact.dtype === 'jsonl') return await checkJsonLines(path, artifact);
    return await checkNpy(path, artifact);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'missing';
    if (code === 'EISDIR') return 'a folder, not a file';
    if (code === 'EACCES' || code === 'EPERM') return 'unreadable';
    return /truncated/i.test(String((error as Error).message)) ? 'truncated' : 'unreadable or corrupt';
  }
}

/** The artefacts of a finished run that are missing or damaged, in manifest order. */
export async function verifyArtifacts(root: string, manifest: RunManifest): Promise<DamagedArtifact[]> {
  if (!Array.isArray(manifest.artifacts)) throw new NeurolensError('input', runMessages.manifestBroken(join(root, 'manifest.json'), 'no artifacts list'));
  const damaged: DamagedArtifact[] = [];
  for (const artifact of manifest.artifacts) {
    const reason = await checkArtifact(root, artifact);
    if (reason !== undefined) damaged.push({ artifact, reason });
  }
  return damaged;
}

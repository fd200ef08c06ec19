/**
 * Where everything lives inside a RUN directory. The finished artefacts sit at the top; work in
 * progress lives under `.record/` (state, journal, per-chunk files) and is removed once the
 * manifest — written last — marks the run complete.
 */
import { join } from 'node:path';
import type { Pooling } from './types.js';

/** File-name-safe form of a layer id (ids may hold '#', '/', ':' …). */
export function layerFileStem(layerId: string): string {
  return layerId.replace(/[^A-Za-z0-9._-]/g, '_');
}

export class RunLayout {
  constructor(readonly root: string) {}

  get manifest(): string {
    return join(this.root, 'manifest.json');
  }
  get imagesTable(): string {
    return join(this.root, 'images.parquet');
  }
  get skipped(): string {
    return join(this.root, 'skipped.jsonl');
  }
  get logits(): string {
    return join(this.root, 'logits.npy');
  }
  activations(layerId: string, pooling: Pooling): string {
    return join(this.root, 'activations', `${layerFileStem(layerId)}.${pooling}.npy`);
  }
  stats(layerId: string, pooling: Pooling): string {
    return join(this.root, 'stats', `${layerFileStem(layerId)}.${pooling}.stats.npy`);
  }
  topk(layerId: string, pooling: Pooling): string {
    return join(this.root, 'stats', `${layerFileStem(layerId)}.${pooling}.topk.npy`);
  }

  /** Folders that atomic writes leave temp files in when killed midway. */
  get writeFolders(): string[] {
    return [this.root, join(this.root, 'activations'), join(this.root, 'stats'), this.work];
  }

  get work(): string {
    return join(this.root, '.record');
  }
  get state(): string {
    return join(this.work, 'state.json');
  }
  get journal(): string {
    return join(this.work, 'journal.jsonl');
  }
  chunkDir(chunk: number): string {
    return join(this.work, 'chunks', String(chunk).padStart(6, '0'));
  }
  chunkActivations(chunk: number, layerId: string, pooling: Pooling): string {
    return join(this.chunkDir(chunk), `${layerFileStem(layerId)}.${pooling}.npy`);
  }
  chunkLogits(chunk: number): string {
    return join(this.chunkDir(chunk), 'logits.npy');
  }
  chunkImages(chunk: number): string {
    return join(this.chunkDir(chunk), 'images.json');
  }

  /** Path relative to the run root, POSIX separators (as written into the manifest). */
  relative(path: string): string {
    return path.slice(this.root.length + 1).split('\\').join('/');
  }
}

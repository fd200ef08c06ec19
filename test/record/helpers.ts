/** Shared setup for recorder tests: a temp folder with a tiny model and generated images. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { encodeModel } from '../../src/onnx/codec.js';
import type { ModelProto } from '../../src/onnx/types.js';

export interface Workspace {
  dir: string;
  model: string;
  images: string;
}

/** `count` seeded PNGs of varied sizes (some in a sub-folder) plus two undecodable files. */
export async function makeWorkspace(model: ModelProto, count: number, options: { broken?: boolean } = {}): Promise<Workspace> {
  const dir = mkdtempSync(join(tmpdir(), 'neurolens-record-'));
  const images = join(dir, 'images');
  mkdirSync(join(images, 'nested'), { recursive: true });
  for (let i = 0; i < count; i++) {
    const width = 16 + (i % 5) * 4;
    const height = 16 + (i % 3) * 6;
    const raw = Buffer.alloc(width * height * 3);
    for (let p = 0; p < raw.length; p++) raw[p] = (p * (i + 3) * 37 + i * 11) % 256;
    const name = `${i % 4 === 0 ? 'nested/' : ''}img${String(i).padStart(4, '0')}.png`;
    await sharp(raw, { raw: { width, height, channels: 3 } }).png().toFile(join(images, name));
  }
  if (options.broken !== false) {
    writeFileSync(join(images, 'broken.jpg'), 'definitely not a jpeg');
    writeFileSync(join(images, 'empty.png'), '');
  }
  const modelPath = join(dir, 'model.onnx');
  writeFileSync(modelPath, encodeModel(model));
  return { dir, model: modelPath, images };
}

/** Every file under `root` (relative path → bytes), for byte-identity comparisons. */
export function snapshotFiles(root: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(root, path), readFileSync(path));
    }
  };
  walk(root);
  return files;
}

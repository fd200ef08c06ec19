/**
 * `neurolens demo`: zero-config tour on real trained models. Stages the emoji collection, records
 * both demo models (resumable, so a second run is instant) and checks their predictions against
 * the emoji subcategories. Each later analysis stage adds itself here.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NeurolensError } from '../errors.js';
import { demoMessages } from '../messages/index.js';
import { record } from '../record/recorder.js';
import { readRunImages, readRunManifest } from '../record/read-run.js';
import type { RecordProgress } from '../record/types.js';
import { listEmojiImages, spreadSubset, stageEmojiDataset, type EmojiImage } from './emoji.js';

/** The demo models shipped in the repository's models/ folder (ONNX + model card). */
export const DEMO_MODELS = ['emoji-resnet', 'emoji-vit'] as const;
/** Emoji in a --quick run (each with both artworks). */
export const QUICK_EMOJI = 150;

export interface DemoOptions {
  /** Output folder; default 'neurolens-demo' in the working directory. */
  out?: string;
  /** A few hundred images instead of the full collection (about 3,800). */
  quick?: boolean;
  /** onnxruntime threads (default: CPU cores). */
  threads?: number;
}

export interface DemoModelResult {
  name: string;
  model: string;
  run: string;
  status: 'complete' | 'unchanged';
  images: number;
  skipped: number;
  seconds: number;
  layers: string[];
  /** Top-1 agreement of the prediction with the emoji's subcategory (images whose subcategory is a class). */
  top1: { correct: number; total: number };
  /** Held-out accuracy from the model card, if it records one. */
  heldOutTop1?: number;
}

export interface DemoResult {
  out: string;
  mode: 'quick' | 'full';
  images: number;
  labels: string;
  runs: DemoModelResult[];
  seconds: number;
}

export interface DemoHooks {
  /** A line describing the step starting now. */
  onStep?: (message: string) => void;
  onProgress?: (model: string, progress: RecordProgress) => void;
}

export function modelsDir(): string {
  return fileURLToPath(new URL('../../models/', import.meta.url));
}

async function agreement(run: string, images: readonly EmojiImage[]): Promise<DemoModelResult['top1'] & { classNames: string[]; heldOut?: number }> {
  const manifest = await readRunManifest(run);
  const classNames = manifest.model.classNames ?? [];
  const byPath = new Map(images.map((i) => [i.path, i.subcategory]));
  let correct = 0;
  let total = 0;
  for (const row of await readRunImages(run)) {
    const truth = byPath.get(row.path);
    if (truth === undefined || !classNames.includes(truth)) continue;
    total++;
    if (classNames[row.top5_classes[0]!] === truth) correct++;
  }
  return { correct, total, classNames };
}

export async function runDemo(options: DemoOptions = {}, hooks: DemoHooks = {}): Promise<DemoResult> {
  const started = performance.now();
  const mode = options.quick ? 'quick' : 'full';
  const out = resolve(options.out ?? 'neurolens-demo');
  const all = await listEmojiImages();
  const images = options.quick ? spreadSubset(all, QUICK_EMOJI) : all;
  const root = join(out, mode);
  hooks.onStep?.(`staging ${images.length} emoji images in ${join(root, 'images')}`);
  const { imagesDir, labels } = await stageEmojiDataset(root, images);
  const runs: DemoModelResult[] = [];
  for (const name of DEMO_MODELS) {
    const model = join(modelsDir(), `${name}.onnx`);
    if (!existsSync(model)) throw new NeurolensError('input', demoMessages.modelMissing(model));
    const run = join(root, 'runs', name);
    hooks.onStep?.(`recording ${name} → ${run}`);
    const result = await record(
      { model, images: imagesDir, out: run, threads: options.threads },
      { onProgress: (p) => hooks.onProgress?.(name, p) },
    );
    const manifest = await readRunManifest(run);
    const { correct, total } = await agreement(run, images);
    runs.push({
      name,
      model,
      run,
      status: result.status,
      images: result.images,
      skipped: result.skipped,
      seconds: result.seconds,
      layers: manifest.layers.map((l) => l.id),
      top1: { correct, total },
    });
  }
  return { out, mode, images: images.length, labels, runs, seconds: (performance.now() - started) / 1000 };
}

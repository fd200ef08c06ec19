/**
 * The NetDissect mask dataset: a JSONL file, one image per line,
 * `{"image": "img/0001.jpg", "masks": {"sky": "masks/0001-sky.png", "tree": "masks/0001-tree.png"}}`,
 * paths relative to the JSONL file. A mask pixel belongs to the concept when its first channel is
 * > 127. Masks are brought to the model input with the image's own geometry: the image's resize plan
 * (src/images/geometry.ts planResize on the image's oriented size) is applied to the mask with
 * nearest-neighbour resampling — the mask is resized straight to the plan's resize size (so a mask
 * stored at another resolution than its image is stretched onto it), then centre-cropped alike.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import sharp from 'sharp';
import { NeurolensError } from '../errors.js';
import { planResize } from '../images/index.js';
import type { Preprocessing } from '../images/types.js';
import { neuronMessages } from '../messages/neurons.js';
import { compareStrings } from '../text/tokenize.js';

export interface MaskEntry {
  /** Absolute image path. */
  image: string;
  /** Concept → absolute mask path. */
  masks: Map<string, string>;
  /** 1-based line in the JSONL file (for messages). */
  line: number;
}

export interface MaskDataset {
  file: string;
  entries: MaskEntry[];
  /** Every concept named, sorted (code-unit order). */
  concepts: string[];
}

/** Reads and checks the JSONL file (the images and masks themselves are read later). */
export async function readMaskDataset(file: string): Promise<MaskDataset> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new NeurolensError('input', code === 'ENOENT' ? neuronMessages.masksMissing(file) : neuronMessages.masksUnreadable(file, code), { cause: error });
  }
  const base = dirname(resolve(file));
  const entries: MaskEntry[] = [];
  const concepts = new Set<string>();
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw new NeurolensError('input', neuronMessages.masksBadLine(file, i + 1), { cause: error });
    }
    const record = value as { image?: unknown; masks?: unknown } | null;
    const masks = record?.masks as Record<string, unknown> | undefined;
    if (typeof record !== 'object' || record === null || Array.isArray(record) || typeof record.image !== 'string' ||
      typeof masks !== 'object' || masks === null || Array.isArray(masks) || Object.values(masks).some((m) => typeof m !== 'string')) {
      throw new NeurolensError('input', neuronMessages.masksBadRecord(file, i + 1));
    }
    const map = new Map<string, string>();
    for (const [concept, mask] of Object.entries(masks as Record<string, string>)) {
      map.set(concept, resolve(base, mask));
      concepts.add(concept);
    }
    entries.push({ image: resolve(base, record.image), masks: map, line: i + 1 });
  });
  if (entries.length === 0) throw new NeurolensError('input', neuronMessages.masksEmpty(file));
  return { file, entries, concepts: [...concepts].sort(compareStrings) };
}

/**
 * The mask at model input size, 1 where the concept is: `sourceWidth`×`sourceHeight` is the image's
 * oriented size (what decodeImage reports), which fixes the resize plan.
 */
export async function loadMask(path: string, sourceWidth: number, sourceHeight: number, prep: Preprocessing): Promise<Uint8Array> {
  const plan = planResize(sourceWidth, sourceHeight, prep);
  let pipeline = sharp(path, { autoOrient: true, limitInputPixels: prep.maxPixels, pages: 1 });
  const meta = await pipeline.metadata();
  const width = meta.autoOrient?.width ?? meta.width;
  const height = meta.autoOrient?.height ?? meta.height;
  if (width !== plan.resizeWidth || height !== plan.resizeHeight) {
    pipeline = pipeline.resize(plan.resizeWidth, plan.resizeHeight, { fit: 'fill', kernel: 'nearest' });
  }
  if (plan.crop) pipeline = pipeline.extract(plan.crop);
  const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  const out = new Uint8Array(info.width * info.height);
  for (let p = 0; p < out.length; p++) out[p] = data[p * info.channels]! > 127 ? 1 : 0;
  return out;
}

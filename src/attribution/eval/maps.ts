/**
 * Reading precomputed maps (`--maps DIR`): a folder written by `neurolens attribute`, whose
 * attribution.json has one entry per (image, method) naming its NAME.METHOD.npy file. Images are
 * matched by their path relative to the image source (both commands list images the same way),
 * methods by name; the maps must come from the same model (sha256) and explain the same target.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NeurolensError } from '../../errors.js';
import { attributionEvalMessages as msg } from '../../messages/attribution-eval.js';
import { readNpy } from '../../store/npy.js';
import type { AttributionMethod, MethodOptions, ScoreQuantity } from '../types.js';

/** Maps by image and method. */
export interface MapSource {
  /** sha256 of the model the maps were computed with (from the index), if recorded. */
  readonly sha256: string | undefined;
  /** The target spellings the folder's maps explain. */
  readonly targets: readonly string[];
  /** The options (and class-target quantity) a method's maps were computed with: those of its first entry. */
  optionsOf(method: AttributionMethod): MethodOptions & { quantity?: ScoreQuantity };
  /** The map (H×W floats) of the image with this relative path for `method`. */
  get(relPath: string, method: AttributionMethod): Promise<Float32Array>;
}

/** One map of the index (an entry of attribution.json, as src/attribution/pipeline.ts writes it). */
export interface MapIndexEntry {
  /** Image path relative to the collection root. */
  path: string;
  method: string;
  /** The map file, relative to the folder. */
  npy: string;
  /** The `--target` spelling the map explains. */
  target: string;
  /** The method options in effect, plus the quantity of class targets (what recomputing the map needs). */
  options: MethodOptions & { quantity?: ScoreQuantity };
}

/** The index of an attribution.json: its model's sha256 and its entries. */
export interface MapIndex {
  sha256: string | undefined;
  entries: MapIndexEntry[];
}

/** Reads `{ protocol: { model: { sha256 } }, entries: [{ path, method, target: { spec }, files: { npy } }] }`. */
export function parseMapIndex(json: unknown, file: string): MapIndex {
  const root = json as { format?: unknown; formatVersion?: unknown; protocol?: { model?: { sha256?: unknown } }; entries?: unknown } | null;
  if (!root || typeof root !== 'object' || !Array.isArray(root.entries)) throw new NeurolensError('input', msg.mapsIndexBad(file, 'no "entries" list'));
  // Indexes written before the format tag existed have none; a tag must be this format's.
  if (root.format !== undefined && (root.format !== 'neurolens-attribution' || root.formatVersion !== 1)) {
    throw new NeurolensError('input', msg.mapsIndexBad(file, `format ${JSON.stringify(root.format)} version ${JSON.stringify(root.formatVersion)}, not neurolens-attribution version 1`));
  }
  const entries = root.entries.map((raw, i): MapIndexEntry => {
    const e = (raw ?? {}) as { path?: unknown; method?: unknown; target?: { spec?: unknown; quantity?: unknown }; files?: { npy?: unknown }; options?: unknown };
    if (typeof e.path !== 'string' || typeof e.method !== 'string' || typeof e.files?.npy !== 'string' || typeof e.target?.spec !== 'string') {
      throw new NeurolensError('input', msg.mapsIndexBad(file, `entry ${i} lacks path, method, target.spec or files.npy`));
    }
    const options = { ...(e.options && typeof e.options === 'object' ? (e.options as MethodOptions) : {}) } as MethodOptions & { quantity?: ScoreQuantity };
    const quantity = e.target.quantity;
    if (quantity === 'logit' || quantity === 'probability') options.quantity = quantity;
    return { path: e.path, method: e.method, npy: e.files.npy, target: e.target.spec, options };
  });
  const sha = root.protocol?.model?.sha256;
  return { sha256: typeof sha === 'string' ? sha : undefined, entries };
}

/** Opens `dir`; maps must be H×W (or 1×H×W) float arrays of finite values. */
export async function openMapSource(dir: string, height: number, width: number): Promise<MapSource> {
  const indexFile = join(dir, 'attribution.json');
  let text: string;
  try {
    text = await readFile(indexFile, 'utf8');
  } catch {
    throw new NeurolensError('input', msg.mapsIndexMissing(dir));
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new NeurolensError('input', msg.mapsIndexBad(indexFile, (error as Error).message.split('\n')[0]!));
  }
  const index = parseMapIndex(json, indexFile);
  const byKey = new Map(index.entries.map((e) => [`${e.path}\u0000${e.method}`, e]));
  return {
    sha256: index.sha256,
    targets: [...new Set(index.entries.map((e) => e.target))].sort(),
    optionsOf: (method) => ({ ...(index.entries.find((e) => e.method === method)?.options ?? {}) }),
    async get(relPath, method) {
      const entry = byKey.get(`${relPath}\u0000${method}`);
      if (entry === undefined) throw new NeurolensError('input', msg.mapMissing(relPath, method, dir));
      const file = join(dir, entry.npy);
      let array;
      try {
        array = await readNpy(file);
      } catch (error) {
        throw new NeurolensError('input', msg.mapUnreadable(file, (error as Error).message.split('\n')[0]!), { cause: error });
      }
      const shape = array.shape.filter((d, i) => !(d === 1 && i < array.shape.length - 2));
      if (shape.length !== 2 || shape[0] !== height || shape[1] !== width) throw new NeurolensError('input', msg.mapShape(file, array.shape, height, width));
      const data = array.data instanceof Float32Array ? array.data : Float32Array.from(array.data as ArrayLike<number>);
      if (!data.every(Number.isFinite)) throw new NeurolensError('input', msg.mapNotFinite(file));
      return data;
    },
  };
}

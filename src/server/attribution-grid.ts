/**
 * What the attribution page shows of one output folder beyond its stored documents: the maps as a
 * grid (one row per image with the run image it is, found by sha256, so the original shows beside
 * its maps, and the target the maps explain; one cell per method with its overlay and the map's
 * value range — the overlay spreads min–max over the colour scale, so these are the colour bar's
 * ends) and the cascading-randomisation results of its evaluations with their verdicts.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AttributionFile } from '../attribution/pipeline.js';
import { sanityCheck } from '../attribution/eval/checks.js';
import type { EvalResult } from '../attribution/eval/types.js';
import { readNpy } from '../store/npy.js';
import type { AttributionGridRow, AttributionMapCell, AttributionSanity } from './api.js';
import type { RunIndex } from './run-index.js';

const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);

type MapRange = Pick<AttributionMapCell, 'min' | 'max' | 'height' | 'width'>;
const NO_RANGE: MapRange = { min: null, max: null, height: null, width: null };

/** Per run: each map's range, keyed by its size and mtime, so a page reload reads no map twice. */
const ranges = new WeakMap<RunIndex, Map<string, { key: string; range: Promise<MapRange> }>>();

async function readRange(path: string): Promise<MapRange> {
  try {
    const array = await readNpy(path);
    if (array.shape.length !== 2 || array.data.length === 0) return NO_RANGE;
    let min = Infinity;
    let max = -Infinity;
    for (const v of array.data as Float32Array) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (!Number.isFinite(min) || !Number.isFinite(max)) return NO_RANGE;
    return { min, max, height: array.shape[0]!, width: array.shape[1]! };
  } catch {
    return NO_RANGE;
  }
}

/** The map's range and shape from its .npy (a run-relative path the folder listing returned); nulls when unreadable. */
async function mapCell(run: RunIndex, png: string | undefined, npy: string | undefined): Promise<AttributionMapCell> {
  if (!npy) return { png: png ?? null, ...NO_RANGE };
  const path = join(run.dir, npy);
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) return { png: png ?? null, ...NO_RANGE };
  if (!ranges.has(run)) ranges.set(run, new Map());
  const cache = ranges.get(run)!;
  const key = `${info.size}:${info.mtimeMs}`;
  let hit = cache.get(npy);
  if (!hit || hit.key !== key) {
    hit = { key, range: readRange(path) };
    cache.set(npy, hit);
  }
  return { png: png ?? null, ...(await hit.range) };
}

interface Pending {
  name: string;
  image: string;
  sha256?: string;
  targets: Set<string>;
  files: Record<string, { png?: string; npy?: string }>;
}

/** Rows from attribution.json's entries (one per image × method); undefined when it has none usable. */
function fromEntries(methods: readonly string[], attribution: AttributionFile | null, byBase: Map<string, string>): Pending[] | undefined {
  const list = attribution?.entries;
  // Checked as read: the file is shown as stored, and may come from an older version.
  if (!Array.isArray(list) || !list.every((e) => typeof e?.method === 'string' && typeof e?.name === 'string')) return undefined;
  const rows = new Map<string, Pending>();
  for (const e of list) {
    if (!methods.includes(e.method)) continue;
    if (!rows.has(e.name)) rows.set(e.name, { name: e.name, image: (e.path ?? e.name).replace(/^(\.\.\/)+/, ''), sha256: e.sha256, targets: new Set(), files: {} });
    const row = rows.get(e.name)!;
    if (typeof e.target?.description === 'string') row.targets.add(e.target.description);
    row.files[e.method] = { png: e.files?.png ? byBase.get(base(e.files.png)) : undefined, npy: e.files?.npy ? byBase.get(base(e.files.npy)) : undefined };
  }
  return [...rows.values()];
}

/** Without attribution.json (an evaluation-only folder): files named STEM.METHOD.png / .npy, grouped by STEM. */
function fromNames(methods: readonly string[], files: readonly string[]): Pending[] {
  const rows = new Map<string, Pending>();
  for (const f of files) {
    const name = base(f);
    for (const m of methods) {
      for (const ext of ['png', 'npy'] as const) {
        const suffix = `.${m}.${ext}`;
        if (!name.endsWith(suffix) || name.startsWith('curves.')) continue;
        const stem = name.slice(0, -suffix.length);
        if (!rows.has(stem)) rows.set(stem, { name: stem, image: stem, targets: new Set(), files: {} });
        (rows.get(stem)!.files[m] ??= {})[ext] = f;
      }
    }
  }
  return [...rows.values()];
}

/** The grid of a folder: `files` are its run-relative files (the listing, so only files inside the run). */
export async function attributionGrid(run: RunIndex, methods: readonly string[], files: readonly string[], attribution: AttributionFile | null): Promise<AttributionGridRow[]> {
  // Only the folder's own files (not a subfolder's, such as the sanity check's) name its maps.
  const depth = (f: string) => f.split('/').length;
  const own = files.filter((f) => depth(f) === Math.min(...files.map(depth)));
  const byBase = new Map(own.map((f) => [base(f), f]));
  const pending = fromEntries(methods, attribution, byBase) ?? fromNames(methods, own);
  const bySha = new Map((await run.images()).map((r) => [r.sha256, r.index]));
  const rows: AttributionGridRow[] = [];
  for (const p of pending) {
    const cells: Record<string, AttributionMapCell> = {};
    for (const [method, f] of Object.entries(p.files)) cells[method] = await mapCell(run, f.png, f.npy);
    const index = p.sha256 === undefined ? undefined : bySha.get(p.sha256);
    rows.push({ name: p.name, image: p.image, index: index ?? null, target: p.targets.size > 0 ? [...p.targets].join('; ') : null, cells });
  }
  return rows;
}

/** Every cascade in the folder's eval.json and its subfolders' (the demo writes its check into sanity/). */
export async function attributionSanity(run: RunIndex, folder: string, evaluation: EvalResult | null): Promise<AttributionSanity[]> {
  const docs: [string, EvalResult | null][] = [[`${folder}/eval.json`, evaluation]];
  for (const e of await run.list(folder)) if (e.dir) docs.push([`${folder}/${e.name}/eval.json`, await run.json<EvalResult>(`${folder}/${e.name}/eval.json`)]);
  const out: AttributionSanity[] = [];
  for (const [source, doc] of docs) {
    if (!doc || typeof doc.aggregate !== 'object' || doc.aggregate === null) continue;
    for (const [method, aggregate] of Object.entries(doc.aggregate)) {
      const check = sanityCheck(aggregate?.sanity);
      if (!check || !aggregate?.sanity) continue;
      const steps = aggregate.sanity.map((s) => ({ step: s.step, layers: s.layers.length, spearman: s.spearman, spearmanAbs: s.spearmanAbs, pearsonAbs: s.pearsonAbs }));
      out.push({ source, method, images: Array.isArray(doc.images) ? doc.images.length : 0, steps, check });
    }
  }
  return out;
}

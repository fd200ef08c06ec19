/** `/api/images` (paginated, searchable table) and `/api/image/:index` (one image). */
import type { RunImageRow } from '../record/read-run.js';
import { readNpyRows } from '../store/npy.js';
import type { ConceptsResponse, ImageResponse, ImageRowView, ImagesPage, Prediction } from './api.js';
import { notFound } from './http-error.js';
import { pageOf } from './paging.js';
import type { RunIndex } from './run-index.js';

const STRONGEST = 5;

function predictions(run: RunIndex, row: RunImageRow): Prediction[] {
  const names = run.manifest.model.classNames;
  return row.top5_classes.map((cls, i) => ({ class: cls, label: names?.[cls] ?? (i === 0 ? (row.top1_label ?? null) : null), score: row.top5_scores[i] ?? NaN }));
}

function view(run: RunIndex, row: RunImageRow): ImageRowView {
  return { index: row.index, path: row.path, width: row.width, height: row.height, top1: predictions(run, row)[0] ?? null };
}

export async function imagesPage(run: RunIndex, query: URLSearchParams): Promise<ImagesPage> {
  const rows = await run.images();
  const q = (query.get('q') ?? '').trim();
  const needle = q.toLowerCase();
  const names = run.manifest.model.classNames;
  const matching = needle === '' ? rows : rows.filter((r) => r.path.toLowerCase().includes(needle) || (names?.[r.top5_classes[0] ?? -1] ?? r.top1_label ?? '').toLowerCase().includes(needle));
  const { offset, limit } = pageOf(query, matching.length);
  return { offset, limit, q, total: matching.length, images: matching.slice(offset, offset + limit).map((r) => view(run, r)) };
}

/** image index → level-1 cluster id, per concepts document (built once per document object). */
const leafIndex = new WeakMap<ConceptsResponse, Map<number, string>>();

function conceptPath(doc: ConceptsResponse, image: number): ImageResponse['concepts'][number]['path'] {
  let leaves = leafIndex.get(doc);
  if (!leaves) {
    leaves = new Map();
    const finest = Math.min(...doc.clusters.map((c) => c.level));
    for (const c of doc.clusters) if (c.level === finest) for (const i of c.images) if (!leaves.has(i)) leaves.set(i, c.id);
    leafIndex.set(doc, leaves);
  }
  const byId = new Map(doc.clusters.map((c) => [c.id, c]));
  const path: ImageResponse['concepts'][number]['path'] = [];
  let id: string | null | undefined = leaves.get(image);
  while (id && path.length < 64) {
    const c = byId.get(id);
    if (!c) break;
    path.push({ id: c.id, level: c.level, caption: c.caption });
    id = c.parent;
  }
  return path;
}

export async function imageDetail(run: RunIndex, indexText: string): Promise<ImageResponse> {
  if (!/^\d{1,9}$/.test(indexText)) throw notFound(`image ${JSON.stringify(indexText)}`);
  const row = await run.image(Number(indexText));
  const pooling = run.defaultPooling;
  const strongest: ImageResponse['strongest'] = [];
  for (const layer of run.manifest.layers) {
    let values: Float32Array;
    try {
      values = (await readNpyRows(run.activationsPath(layer.id, pooling), row.index, 1)).data as Float32Array;
    } catch {
      continue; // layer not recorded with this pooling
    }
    const order = Array.from(values.keys()).sort((a, b) => values[b]! - values[a]! || a - b);
    strongest.push({ layer: layer.id, pooling, neurons: order.slice(0, STRONGEST).map((c) => ({ channel: c, activation: values[c]! })) });
  }
  const concepts: ImageResponse['concepts'] = [];
  for (const [layer, file] of await run.conceptFiles()) {
    const doc = await run.json<ConceptsResponse>(file);
    if (doc) concepts.push({ layer, path: conceptPath(doc, row.index) });
  }
  return { index: row.index, path: row.path, sha256: row.sha256, width: row.width, height: row.height, predictions: predictions(run, row), strongest, concepts };
}

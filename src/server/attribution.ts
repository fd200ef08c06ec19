/**
 * `/api/attribution` and `/api/attribution/:name`: the output folders under RUN/attribution/
 * (each with attribution.json from `neurolens attribute` and/or eval.json from its evaluation).
 * Methods and image counts are read from either file (attribution.json `entries[].method/path`,
 * or `methods` / `images` as arrays or counts); the documents themselves are passed through as stored.
 */
import type { AttributionListResponse, AttributionResponse, AttributionSummary } from './api.js';
import { notFound } from './http-error.js';
import type { RunIndex } from './run-index.js';

type Doc = Record<string, unknown> | null;

function methodsOf(...docs: Doc[]): string[] {
  const out = new Set<string>();
  for (const doc of docs) {
    const m = doc?.methods;
    if (Array.isArray(m)) for (const x of m) if (typeof x === 'string') out.add(x);
    if (typeof doc?.method === 'string') out.add(doc.method);
    // attribution.json: one entry per image × method.
    if (Array.isArray(doc?.entries)) for (const e of doc.entries as { method?: unknown }[]) if (typeof e?.method === 'string') out.add(e.method);
  }
  return [...out].sort();
}

function imagesOf(...docs: Doc[]): number {
  for (const doc of docs) {
    if (Array.isArray(doc?.entries)) return new Set((doc.entries as { path?: unknown }[]).map((e) => e?.path)).size;
    const v = doc?.images;
    if (Array.isArray(v)) return v.length;
    if (typeof v === 'number') return v;
  }
  return 0;
}

async function filesUnder(run: RunIndex, rel: string, depth = 0): Promise<string[]> {
  if (depth > 3) return [];
  const out: string[] = [];
  for (const e of await run.list(rel)) {
    if (e.dir) out.push(...(await filesUnder(run, `${rel}/${e.name}`, depth + 1)));
    else out.push(`${rel}/${e.name}`);
  }
  return out;
}

async function summary(run: RunIndex, name: string): Promise<{ summary: AttributionSummary; attribution: Doc; evaluation: Doc; files: string[] } | null> {
  const base = `attribution/${name}`;
  const [attribution, evaluation] = await Promise.all([run.json<Record<string, unknown>>(`${base}/attribution.json`), run.json<Record<string, unknown>>(`${base}/eval.json`)]);
  if (attribution === null && evaluation === null) return null;
  const files = await filesUnder(run, base);
  return {
    summary: { name, methods: methodsOf(attribution, evaluation), images: imagesOf(attribution, evaluation), eval: evaluation !== null, pngs: files.filter((f) => f.toLowerCase().endsWith('.png')) },
    attribution,
    evaluation,
    files: files.filter((f) => !f.toLowerCase().endsWith('.png')),
  };
}

export async function listAttribution(run: RunIndex): Promise<AttributionListResponse> {
  const runs: AttributionSummary[] = [];
  for (const e of await run.list('attribution')) {
    if (!e.dir) continue;
    const s = await summary(run, e.name);
    if (s) runs.push(s.summary);
  }
  return { runs };
}

export async function attributionDetail(run: RunIndex, name: string): Promise<AttributionResponse> {
  if (name.includes('/') || name === '.' || name === '..') throw notFound(`attribution ${JSON.stringify(name)}`);
  const s = await summary(run, name);
  if (!s) throw notFound(`attribution ${JSON.stringify(name)}`);
  return { ...s.summary, attribution: s.attribution, evaluation: s.evaluation, files: s.files };
}

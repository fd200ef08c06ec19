/**
 * `/api/attribution` and `/api/attribution/:name`: the output folders under RUN/attribution/
 * (each with attribution.json from `neurolens attribute` and/or eval.json from its evaluation).
 * Methods and image counts are read from either file (attribution.json `entries[].method/path`,
 * eval.json `methods` / `images`); the documents themselves are passed through as stored. The
 * files are checked as they are read (a damaged one must not fail the whole list).
 */
import type { AttributionFile } from '../attribution/pipeline.js';
import type { EvalResult } from '../attribution/eval/types.js';
import type { AttributionListResponse, AttributionResponse, AttributionSummary } from './api.js';
import { attributionGrid, attributionSanity } from './attribution-grid.js';
import { notFound } from './http-error.js';
import type { RunIndex } from './run-index.js';

function methodsOf(attribution: AttributionFile | null, evaluation: EvalResult | null): string[] {
  const out = new Set<string>();
  if (Array.isArray(evaluation?.methods)) for (const x of evaluation.methods) if (typeof x === 'string') out.add(x);
  // attribution.json: one entry per image × method.
  if (Array.isArray(attribution?.entries)) for (const e of attribution.entries) if (typeof e?.method === 'string') out.add(e.method);
  return [...out].sort();
}

/** The methods eval.json's checks cover, and those flagged "less faithful than random" (checked as read). */
function checksOf(evaluation: EvalResult | null): { checked: string[]; lessFaithful: string[] } {
  const aggregate = evaluation?.aggregate && typeof evaluation.aggregate === 'object' ? Object.entries(evaluation.aggregate) : [];
  const checked = aggregate.filter(([, a]) => typeof a?.checks?.lessFaithfulThanRandom === 'boolean');
  return { checked: checked.map(([m]) => m), lessFaithful: checked.filter(([, a]) => a!.checks!.lessFaithfulThanRandom).map(([m]) => m) };
}

function imagesOf(attribution: AttributionFile | null, evaluation: EvalResult | null): number {
  if (Array.isArray(attribution?.entries)) return new Set(attribution.entries.map((e) => e?.path)).size;
  return Array.isArray(evaluation?.images) ? evaluation.images.length : 0;
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

async function summary(run: RunIndex, name: string): Promise<{ summary: AttributionSummary; attribution: AttributionFile | null; evaluation: EvalResult | null; files: string[]; all: string[] } | null> {
  const base = `attribution/${name}`;
  const [attribution, evaluation] = await Promise.all([run.json<AttributionFile>(`${base}/attribution.json`), run.json<EvalResult>(`${base}/eval.json`)]);
  if (attribution === null && evaluation === null) return null;
  const files = await filesUnder(run, base);
  return {
    summary: { name, methods: methodsOf(attribution, evaluation), images: imagesOf(attribution, evaluation), eval: evaluation !== null, pngs: files.filter((f) => f.toLowerCase().endsWith('.png')), ...checksOf(evaluation) },
    attribution,
    evaluation,
    files: files.filter((f) => !f.toLowerCase().endsWith('.png')),
    all: files,
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
  const [grid, sanity] = await Promise.all([attributionGrid(run, s.summary.methods, s.all, s.attribution), attributionSanity(run, `attribution/${name}`, s.evaluation)]);
  return { ...s.summary, attribution: s.attribution, evaluation: s.evaluation, files: s.files, grid, sanity };
}

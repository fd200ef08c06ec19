/** `/api/concepts/:layer` (the stored hierarchy) and `/api/concepts/:layer/search?q=`. */
import type { ConceptSearchResponse, ConceptsResponse } from './api.js';
import { notFound } from './http-error.js';
import type { RunIndex } from './run-index.js';

const MAX_RESULTS = 200;

async function conceptLayer(run: RunIndex, layerId: string): Promise<ConceptsResponse> {
  const file = (await run.conceptFiles()).get(layerId);
  const doc = file ? await run.json<ConceptsResponse>(file) : null;
  if (!doc) throw notFound(`concepts of layer ${JSON.stringify(layerId)}`);
  return doc;
}

export const concepts = conceptLayer;

/** Clusters whose caption, keywords or difference description contain every word of q (case-insensitive). */
export async function searchConcepts(run: RunIndex, layerId: string, query: URLSearchParams): Promise<ConceptSearchResponse> {
  const doc = await conceptLayer(run, layerId);
  const q = (query.get('q') ?? '').trim();
  const words = q.toLowerCase().split(/\s+/).filter((w) => w !== '');
  const matches = doc.clusters
    .filter((c) => {
      const text = `${c.caption}\n${c.keywords.join(' ')}\n${c.differenceDescription}`.toLowerCase();
      return words.every((w) => text.includes(w));
    })
    .sort((a, b) => a.level - b.level || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    layer: layerId,
    q,
    total: matches.length,
    results: matches.slice(0, MAX_RESULTS).map((c) => ({ id: c.id, level: c.level, caption: c.caption, keywords: c.keywords, images: c.images.length, neurons: c.neurons.length })),
  };
}

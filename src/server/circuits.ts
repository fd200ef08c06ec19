/** `/api/circuits` (the queries) and `/api/circuits/:name` (one query, Sankey-ready). */
import type { CircuitsDiagnosisFile } from '../circuits/formats.js';
import type { CircuitResponse, CircuitsResponse, SankeyLink, SankeyNode } from './api.js';
import { neuronKey, type CircuitDoc } from './circuit-index.js';
import { notFound } from './http-error.js';
import type { RunIndex } from './run-index.js';

export async function listCircuits(run: RunIndex): Promise<CircuitsResponse> {
  const index = await run.circuits();
  const e = index.eval;
  return {
    queries: [...index.queries.values()].map((q) => q.summary),
    common: index.common,
    eval: e ? { summary: e.summary, protocol: e.protocol } : null,
  };
}

/** One Sankey graph per circuit: a column per analysis layer, links weighted by sensitivity. */
export function sankeyOf(doc: CircuitDoc): CircuitResponse['sankey'] {
  const column = new Map(doc.layers.map((l, i) => [l.id, i]));
  const gated = doc.support ? new Set(doc.support.layers) : null;
  return doc.circuits.map((circuit) => {
    const nodes: SankeyNode[] = circuit.nodes.map((n) => ({
      id: neuronKey(n.layer, n.channel),
      layer: n.layer,
      channel: n.channel,
      column: column.get(n.layer) ?? 0,
      act: n.act,
      region: n.region,
      root: n.layer === circuit.root.layer && n.channel === circuit.root.channel,
      gated: gated ? gated.has(n.layer) : null,
      ...(n.support === undefined ? {} : { support: n.support }),
    }));
    const links: SankeyLink[] = circuit.edges.map((e) => ({ source: neuronKey(e.from.layer, e.from.channel), target: neuronKey(e.to.layer, e.to.channel), value: e.sensitivity, sfs: e.sfs }));
    return { id: circuit.id, nodes, links };
  });
}

export async function circuitDetail(run: RunIndex, name: string): Promise<CircuitResponse> {
  const index = await run.circuits();
  const entry = index.queries.get(name);
  if (!entry) throw notFound(`circuit query ${JSON.stringify(name)}`);
  const { doc, summary } = entry;
  const evalEntry = doc.query.index === undefined ? undefined : (index.eval?.queries ?? []).find((q) => q.index === doc.query.index);
  const diagnosis = summary.diagnosis ? await run.json<CircuitsDiagnosisFile>(`circuits/${name}.diagnosis.json`) : null;
  return { name, result: doc, sankey: sankeyOf(doc), eval: evalEntry ?? null, diagnosis, report: summary.report };
}

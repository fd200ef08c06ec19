/** `/api/circuits` (the queries) and `/api/circuits/:name` (one query, Sankey-ready). */
import type { CircuitsDiagnosisFile } from '../circuits/formats.js';
import type { CircuitResponse, CircuitsResponse, NodeConcept, NodeCrops, SankeyLink, SankeyNode } from './api.js';
import { defaultCircuit, neuronKey, type CircuitDoc } from './circuit-index.js';
import { nodeConcepts, nodeCrops } from './circuit-nodes.js';
import { notFound } from './http-error.js';
import type { LabelIndex } from './neuron-labels.js';
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

/** What sankeyOf adds to each node from outside the circuit file. */
export interface NodeExtras {
  concepts: Map<string, NodeConcept>;
  labels: LabelIndex;
  crops: Map<string, NodeCrops | null>;
}

const noExtras: NodeExtras = { concepts: new Map(), labels: new Map(), crops: new Map() };

/** "caption · #12", or "#12" for a neuron without a name. */
export function nodeLabel(channel: number, name: string | null | undefined): string {
  return name ? `${name} · #${channel}` : `#${channel}`;
}

/** One Sankey graph per circuit: a column per analysis layer, links weighted by sensitivity. */
export function sankeyOf(doc: CircuitDoc, extras: NodeExtras = noExtras): CircuitResponse['sankey'] {
  const column = new Map(doc.layers.map((l, i) => [l.id, i]));
  const gated = doc.support ? new Set(doc.support.layers) : null;
  return doc.circuits.map((circuit) => {
    const flow = (key: string, end: 'from' | 'to') => circuit.edges.filter((e) => neuronKey(e[end].layer, e[end].channel) === key).reduce((s, e) => s + e.sensitivity, 0);
    const nodes: SankeyNode[] = circuit.nodes.map((n) => {
      const id = neuronKey(n.layer, n.channel);
      const concept = extras.concepts.get(id) ?? null;
      const neuronLabel = extras.labels.get(n.layer)?.get(n.channel) ?? null;
      return {
        id,
        layer: n.layer,
        channel: n.channel,
        column: column.get(n.layer) ?? 0,
        act: n.act,
        region: n.region,
        root: n.layer === circuit.root.layer && n.channel === circuit.root.channel,
        gated: gated ? gated.has(n.layer) : null,
        ...(n.support === undefined ? {} : { support: n.support }),
        label: nodeLabel(n.channel, concept?.caption ?? neuronLabel?.text),
        concept,
        neuronLabel,
        inflow: flow(id, 'to'),
        outflow: flow(id, 'from'),
        crops: extras.crops.get(id) ?? null,
      };
    });
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
  const neurons = new Map(doc.circuits.flatMap((c) => c.nodes.map((n) => [neuronKey(n.layer, n.channel), n] as const)));
  const crops = new Map<string, NodeCrops | null>();
  for (const [key, n] of neurons) crops.set(key, await nodeCrops(run, n.layer, n.channel));
  const extras: NodeExtras = { concepts: await nodeConcepts(run, index), labels: await run.labels(), crops };
  return { name, result: doc, sankey: sankeyOf(doc, extras), default: defaultCircuit(doc), eval: evalEntry ?? null, diagnosis, report: summary.report };
}

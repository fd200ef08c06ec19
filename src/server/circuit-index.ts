/**
 * Index of RUN/circuits/: the query files (NAME.json as `neurolens circuits` writes them), the
 * diagnoses (NAME.diagnosis.json), common.json and eval.json, plus a neuron → circuits map so a
 * neuron page can list the circuits holding it without rescanning. Built once per folder state.
 */
import type { CircuitFile, CircuitsEvalFile, CommonFile } from '../circuits/formats.js';
import type { Box, CircuitQuerySummary, DefaultCircuit } from './api.js';

/** A circuit query file (RUN/circuits/NAME.json) as stored. */
export type CircuitDoc = CircuitFile;

export interface CircuitMembership {
  name: string;
  circuit: string;
  root: boolean;
  act: number | null;
  region: Box | null;
}

export interface CircuitIndex {
  /** Query name → its document and summary, in name order. */
  queries: Map<string, { doc: CircuitDoc; summary: CircuitQuerySummary }>;
  /** `LAYER#CHANNEL` → circuits holding the neuron. */
  byNeuron: Map<string, CircuitMembership[]>;
  common: CommonFile | null;
  eval: CircuitsEvalFile | null;
}

interface JsonSource {
  json<T>(rel: string): Promise<T | null>;
  exists(rel: string): Promise<boolean>;
}

function isCircuitDoc(doc: unknown): doc is CircuitDoc {
  const d = doc as Partial<CircuitDoc> | null;
  return typeof d === 'object' && d !== null && typeof d.query === 'object' && d.query !== null && Array.isArray(d.circuits) && Array.isArray(d.layers);
}

export const neuronKey = (layer: string, channel: number): string => `${layer}#${channel}`;

/** The most important circuit: see DefaultCircuit for the rule. */
export function defaultCircuit(doc: CircuitDoc): DefaultCircuit {
  const circuits = Array.isArray(doc.circuits) ? doc.circuits : [];
  if (circuits.length === 0) return { id: null, basis: 'none' };
  const measured = circuits.filter((c) => typeof c.effect?.drop === 'number' && Number.isFinite(c.effect.drop));
  if (measured.length === 0) return { id: circuits[0]!.id, basis: 'unmeasured' };
  // Largest drop first; a tie keeps the file's order (its rank).
  const best = (list: typeof measured) => list.reduce((a, b) => (b.effect!.drop > a.effect!.drop ? b : a));
  const passing = measured.filter((c) => c.effect!.verdict?.pass === true);
  return passing.length > 0 ? { id: best(passing).id, basis: 'passing' } : { id: best(measured).id, basis: 'failing' };
}

const withDrop = (doc: CircuitDoc, d: DefaultCircuit): CircuitQuerySummary['default'] => {
  const drop = doc.circuits.find((c) => c.id === d.id)?.effect?.drop;
  return { ...d, drop: typeof drop === 'number' ? drop : null };
};

/** Builds the index from the JSON file names of RUN/circuits (sorted). */
export async function buildCircuitIndex(run: JsonSource, names: readonly string[]): Promise<CircuitIndex> {
  const index: CircuitIndex = { queries: new Map(), byNeuron: new Map(), common: null, eval: null };
  const diagnoses = new Set(names.filter((n) => n.endsWith('.diagnosis.json')).map((n) => n.slice(0, -'.diagnosis.json'.length)));
  index.eval = names.includes('eval.json') ? await run.json('circuits/eval.json') : null;
  index.common = names.includes('common.json') ? await run.json('circuits/common.json') : null;
  const evaluated = new Set((index.eval?.queries ?? []).map((q) => q.index));
  for (const file of names) {
    if (file === 'eval.json' || file === 'common.json' || file.endsWith('.diagnosis.json')) continue;
    const doc = await run.json<unknown>(`circuits/${file}`);
    if (!isCircuitDoc(doc)) continue;
    const name = file.slice(0, -'.json'.length);
    const html = `circuits/${name}.html`;
    const summary: CircuitQuerySummary = {
      name,
      query: { ...(doc.query.index !== undefined ? { index: doc.query.index } : {}), image: doc.query.image },
      circuits: doc.circuits.length,
      nodes: doc.circuits.reduce((s, c) => s + c.nodes.length, 0),
      edges: doc.circuits.reduce((s, c) => s + c.edges.length, 0),
      diagnosis: diagnoses.has(name),
      eval: doc.query.index !== undefined && evaluated.has(doc.query.index),
      report: (await run.exists(html)) ? html : null,
      default: withDrop(doc, defaultCircuit(doc)),
    };
    index.queries.set(name, { doc, summary });
    for (const circuit of doc.circuits) {
      for (const node of circuit.nodes) {
        const key = neuronKey(node.layer, node.channel);
        const root = circuit.root.layer === node.layer && circuit.root.channel === node.channel;
        if (!index.byNeuron.has(key)) index.byNeuron.set(key, []);
        index.byNeuron.get(key)!.push({ name, circuit: circuit.id, root, act: Number.isFinite(node.act) ? node.act : null, region: node.region ?? null });
      }
    }
  }
  return index;
}

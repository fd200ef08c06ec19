/**
 * The circuit endpoints' part of the API contract (re-exported by ./api.ts; no Node imports):
 * `/api/circuits` lists the queries, `/api/circuits/:name` gives one query Sankey-ready, with the
 * circuit the page opens on, each node's name and pictures, and the stored checks.
 */
import type { CircuitFile, CircuitsDiagnosisFile, CircuitsEvalFile, CircuitsEvalQuery, CommonFile } from '../circuits/formats.js';
import type { Box, NeuronLabel } from './api.js';

export interface CircuitQuerySummary {
  /** File stem: RUN/circuits/NAME.json. */
  name: string;
  query: { index?: number; image: string };
  circuits: number;
  nodes: number;
  edges: number;
  diagnosis: boolean;
  /** The query is among eval.json's queries. */
  eval: boolean;
  /** Run-relative path of NAME.html, if any. */
  report: string | null;
  /** The circuit the query's page opens on (DefaultCircuit) and its logit drop, if measured. */
  default: DefaultCircuit & { drop: number | null };
}

export interface CircuitsResponse {
  queries: CircuitQuerySummary[];
  /** circuits/common.json as stored, if any. */
  common: CommonFile | null;
  /** circuits/eval.json `summary` and `protocol`, if any. */
  eval: Pick<CircuitsEvalFile, 'summary' | 'protocol'> | null;
}

/**
 * A neuron's concept by the rule that names circuits (src/circuits/annotate.ts): the concept
 * cluster most over-represented among its top-10 % reference images, kept only when the one-sided
 * hypergeometric p of that overlap is below 0.05 / clusters.
 */
export interface NodeConcept {
  caption: string;
  cluster: string;
  /** Top-10 % reference images inside the cluster, of `top`. */
  overlap: number;
  top: number;
  p: number;
  /** The Bonferroni bound p had to be under. */
  bound: number;
}

/** One reference image of a node with the node's region on it and, where stored, the crop. */
export interface NodeReferenceImage {
  index: number;
  path: string;
  act: number;
  /** The neuron's region on the image, model-input pixels; null when the source has none. */
  region: Box | null;
  /** Run-relative PNG of the region crop (source `circuits`); null otherwise. */
  crop: string | null;
  /** Source `neurons`: the crop is tile `tile` (0-based, left to right) of the sprite. */
  tile: number | null;
}

/**
 * A node's reference images cropped to its region. `circuits`: the pictures of the circuit report
 * (RUN/circuits/crops, top images under `top10` pooling — the images that define the neuron's T1).
 * `neurons`: the neurons stage's exemplars of the neuron (its top images under that stage's
 * pooling, with their crops in one sprite), used where the circuits command wrote no crops.
 */
export interface NodeCrops {
  source: 'circuits' | 'neurons';
  pooling: string;
  images: NodeReferenceImage[];
  /** Source `neurons`: the run-relative sprite and the side of its square tiles in pixels. */
  sprite: { file: string; tile: number } | null;
}

export interface SankeyNode {
  /** `LAYER#CHANNEL`. */
  id: string;
  layer: string;
  channel: number;
  /** Column = index of the layer among the query's analysis layers. */
  column: number;
  act: number;
  region: Box;
  root: boolean;
  /** Whether the discovery's support gate applied to the node's layer; null for files written before the gate existed. */
  gated: boolean | null;
  /** In a gated layer: the predicted logit's drop when this neuron alone is zeroed on the query (why it was admitted). */
  support?: number;
  /** The text drawn on the node: concept name and channel ("red circle · #12"), or the channel alone when unnamed. */
  label: string;
  /** The neuron's concept by the circuits' naming rule; null when none is significant or the run has no concepts. */
  concept: NodeConcept | null;
  /** The neuron's label from the neurons stage (dissection or enrichment), if any. */
  neuronLabel: NeuronLabel | null;
  /** Sums of the sensitivities of the node's incoming and outgoing edges in this circuit. */
  inflow: number;
  outflow: number;
  crops: NodeCrops | null;
}

export interface SankeyLink {
  source: string;
  target: string;
  /** Ribbon width: the edge's sensitivity. */
  value: number;
  sfs: number;
}

/**
 * The circuit the page opens on and why. `passing`: the largest logit drop (circuit alone zeroed)
 * among circuits whose drop beats random neurons (verdict pass). `failing`: no circuit passes, so
 * the largest drop, shown as failing. `unmeasured`: a file written before circuits were measured:
 * the first circuit. `none`: the query has no circuit.
 */
export interface DefaultCircuit {
  id: string | null;
  basis: 'passing' | 'failing' | 'unmeasured' | 'none';
}

export interface CircuitResponse {
  name: string;
  /** RUN/circuits/NAME.json as stored. */
  result: CircuitFile;
  sankey: { id: string; nodes: SankeyNode[]; links: SankeyLink[] }[];
  /** The most important circuit by the rule DefaultCircuit states. */
  default: DefaultCircuit;
  /** This query's entry of circuits/eval.json, if any. */
  eval: CircuitsEvalQuery | null;
  /** RUN/circuits/NAME.diagnosis.json as stored, if any. */
  diagnosis: CircuitsDiagnosisFile | null;
  report: string | null;
}

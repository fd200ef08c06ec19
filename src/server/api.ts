/**
 * The explorer's API contract (issue 8), shared by the server (src/server), the static exporter
 * (`neurolens report`) and the single-page app (web/, which imports this file). It holds no Node
 * imports so the browser bundle can use its values (constants, path helpers) as well as its types.
 *
 * Conventions:
 * - Every endpoint is GET and answers JSON (`Cache-Control: no-store`); errors are `{ error }`.
 * - Layer ids in paths are `encodeURIComponent`-ed run layer ids (manifest `layers[].id`).
 * - Files of the run are named by their path relative to RUN (POSIX separators), never by URL:
 *   the app turns them into URLs with {@link fileUrl}; thumbnails with {@link thumbUrl}.
 * - Static mode (`neurolens report`): index.html sets `window[STATIC_FLAG] = true`; the app then
 *   loads `staticDataPath(endpoint)` with a `<script>` tag, which calls
 *   `window[STATIC_CALLBACK](endpoint, json)` where `endpoint` is the canonical string
 *   {@link canonicalEndpoint} returns. Only the requests listed under "static export" below exist.
 *
 * Stability: fields are only ever added.
 */
import type { AttributionFile } from '../attribution/pipeline.js';
import type { EvalResult } from '../attribution/eval/types.js';
import type { AttributionGridRow, AttributionSanity } from './api-views.js';
import type { CircuitFile, CircuitsDiagnosisFile, CircuitsEvalFile, CircuitsEvalQuery, CommonFile } from '../circuits/formats.js';
import type { ConceptLayer } from '../concepts/types.js';
import type { RatesSummary } from '../neurons/types.js';
import type { LayerRecord } from '../record/types.js';
import type { NeuronFilter, NeuronRow } from './api-neurons.js';

/** The stored formats responses carry as stored (the app imports them from here). */
export type { AttributionEntry, AttributionFile } from '../attribution/pipeline.js';
export type { CurveKind, EvalResult, ImageEvaluation, MapEvaluation, MethodAggregate, MethodChecks, RandomComparison, Stat } from '../attribution/eval/types.js';
export type { CircuitPrediction } from '../circuits/discover.js';
export type { CheckVerdict, CircuitCheck, CircuitFile, CircuitsDiagnosisFile, CircuitsEvalFile, CircuitsEvalQuery, ClassLogits, ClassSummary, CommonFile, DiagnosedCircuit, LogitChange, MeanSd, PerCircuitSummary } from '../circuits/formats.js';
export type { ConceptCluster, ConceptLayer } from '../concepts/types.js';
export type { RatesSummary } from '../neurons/types.js';
export type { LayerRecord } from '../record/types.js';
export type * from './neuron-api.js';
/** The layer and neuron endpoints' responses. */
export type * from './api-neurons.js';

/** The circuit endpoints' responses (their own file: the circuit page grew its own vocabulary). */
export type * from './api-circuits.js';
export type { Interval } from '../probes/bootstrap.js';
export type { ProbeCheck, ProbeVerdict } from '../probes/check.js';
export type { ProbeHeadline } from '../probes/headline.js';
export type { SanityCheck } from '../attribution/eval/checks.js';
export type * from './api-views.js';

export const API_VERSION = 1;

/** Global set to `true` by the exported index.html before the app script. */
export const STATIC_FLAG = '__NEUROLENS_STATIC__';
/** Global function each static data script calls: `window.__neurolensData(endpoint, json)`. */
export const STATIC_CALLBACK = '__neurolensData';
/** Page size of every paginated endpoint in the static export (the app must use it in static mode). */
export const STATIC_PAGE_SIZE = 100;
/** Thumbnail size written by the static export (`thumb/INDEX.png`). */
export const STATIC_THUMB_SIZE = 128;
/** Largest `limit` the server accepts on paginated endpoints. */
export const MAX_PAGE_LIMIT = 500;
/** Bins of every neuron activation histogram. */
export const HISTOGRAM_BINS = 32;
/** Thumbnail sizes `/thumb/:index?size=` accepts (default 128). */
export const THUMB_SIZES = [64, 128] as const;
/**
 * Orders of a layer's neurons: activation rate, index, max activation, label (passing labels A–Z
 * first), best probe AUC, number of circuits holding the neuron. All but `index` and `label` are
 * descending; ties go to the lower index.
 */
export type NeuronSort = 'rate' | 'index' | 'maxact' | 'label' | 'auc' | 'circuits';
export const NEURON_SORTS: readonly NeuronSort[] = ['rate', 'index', 'maxact', 'label', 'auc', 'circuits'];
/** Strongest images per neuron a NeuronsPage row carries (for the layer grid's thumbnails). */
export const ROW_EXEMPLARS = 4;
/** `circuit=` filter values besides a query name: in any circuit, or in none. */
export const CIRCUIT_FILTER_ANY = '*';
export const CIRCUIT_FILTER_NONE = '-';

/**
 * Every route, with its query parameters and what it answers. `:x` is one path segment.
 * Static export: which requests are written (others are absent in static mode).
 */
export const ENDPOINTS = [
  { path: '/api/overview', doc: 'OverviewResponse: model, layers, dataset, which analyses exist (static: yes)' },
  {
    path: '/api/layers/:layer/neurons',
    query: 'offset, limit (≤ 500, default 100), sort=rate|index|maxact|label|auc|circuits (default index), pooling; filters: q (label text), minRate, maxRate, minAuc (0–1), circuit (query name, * any, - none)',
    doc: 'NeuronsPage: rows with exemplars, visualisation, label check, best probe AUC, circuits (static: every page of every sort at limit=STATIC_PAGE_SIZE, no pooling param, no filters)',
  },
  { path: '/api/neuron/:layer/:c', query: 'pooling (default: the neurons stage\'s pooling)', doc: 'NeuronResponse: stats, histogram, exemplars, quantile and lowest images, correlated neurons, ablation effects, heatmaps, visualisation, sprite, label, concepts, probes, circuits (static: every neuron, no pooling param)' },
  { path: '/api/concepts/:layer', doc: 'ConceptsResponse: the stored hierarchy of one layer (static: yes)' },
  { path: '/api/concepts/:layer/search', query: 'q', doc: 'ConceptSearchResponse: clusters whose caption/keywords/description contain q (static: no — filter ConceptsResponse locally)' },
  { path: '/api/circuits', doc: 'CircuitsResponse: the circuit queries of the run, each with the circuit its page opens on (static: yes)' },
  { path: '/api/circuits/:name', doc: 'CircuitResponse: one query with the circuit to open on, Sankey nodes (names, flows, reference crops)/links, eval, diagnosis (static: yes)' },
  { path: '/api/attribution', doc: 'AttributionListResponse: attribution output folders (static: yes)' },
  { path: '/api/attribution/:name', doc: 'AttributionResponse: attribution.json + eval.json of one folder (static: yes)' },
  { path: '/api/probes', doc: 'ProbesResponse: the probed layers with their headline and how many probes pass their check (static: yes)' },
  { path: '/api/probes/:layer', doc: 'ProbeLayerResponse: per concept AUC with its 95 % interval, the check, the sparse-k curve and the top neurons (static: yes)' },
  { path: '/api/images', query: 'offset, limit (≤ 500, default 100), q', doc: 'ImagesPage (static: every page at limit=STATIC_PAGE_SIZE, no q)' },
  { path: '/api/image/:index', doc: 'ImageResponse: predictions, strongest neurons, concept paths (static: every image)' },
  { path: '/api/live', doc: 'LiveResponse: the model file, input and layers for live interventions in the browser (static: no — the export omits live interventions)' },
  { path: '/live/model/:name', doc: "the run's model file, only under the name manifest.json gives it (static: no)" },
  { path: '/live/input/:index', doc: 'the image as the model sees it: the preprocessed input tensor, raw little-endian float32 (static: no)' },
  { path: '/thumb/:index', query: 'size=64|128', doc: 'image thumbnail (PNG), immutable (static: thumb/INDEX.png at 128)' },
  { path: '/files/:path*', doc: 'a file inside RUN (PNG, JSON, HTML…); never a directory (static: files/PATH for referenced files)' },
] as const;

// ---------------------------------------------------------------- URL helpers (both sides use them)

/** Escapes one decoded path segment or query value into file-name-safe characters, injectively. */
function escapeName(text: string): string {
  let out = '';
  for (const ch of text) {
    if (/^[A-Za-z0-9.=-]$/.test(ch)) out += ch;
    else for (const byte of new TextEncoder().encode(ch)) out += `_${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  // A segment made only of dots would mean "this/parent folder" on disk.
  return /^\.+$/.test(out) ? out.replace(/\./g, '_2E') : out;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The canonical form of an endpoint string: path segments decoded then re-encoded with
 * encodeURIComponent, query parameters sorted by key (empty values dropped). Static data scripts
 * report this string, and the app should key its cache by it.
 */
export function canonicalEndpoint(endpoint: string): string {
  const q = endpoint.indexOf('?');
  const path = q < 0 ? endpoint : endpoint.slice(0, q);
  const query = q < 0 ? '' : endpoint.slice(q + 1);
  const segments = path.split('/').filter((s) => s !== '').map((s) => encodeURIComponent(safeDecode(s)));
  const params = new URLSearchParams(query);
  const pairs = [...params.entries()].filter(([, v]) => v !== '').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const search = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return `/${segments.join('/')}${search ? `?${search}` : ''}`;
}

/**
 * Where the static export stores an endpoint's data script, relative to index.html:
 * `/api/neuron/layer1.0/3` → `data/api/neuron/layer1.0/3.js`;
 * `/api/images?offset=0&limit=100` → `data/api/images__limit=100__offset=0.js` (keys sorted).
 * Characters outside `A–Z a–z 0–9 . = -` become `_HH` (UTF-8 bytes in hex), so names are URL- and
 * file-name-safe and distinct endpoints never share a file.
 */
export function staticDataPath(endpoint: string): string {
  const canonical = canonicalEndpoint(endpoint);
  const q = canonical.indexOf('?');
  const path = q < 0 ? canonical : canonical.slice(0, q);
  const segments = path.split('/').filter((s) => s !== '').map((s) => escapeName(safeDecode(s)));
  if (segments.length === 0) segments.push('index');
  let suffix = '';
  if (q >= 0) {
    for (const [k, v] of new URLSearchParams(canonical.slice(q + 1))) suffix += `__${escapeName(k)}=${escapeName(v)}`;
  }
  return `data/${segments.join('/')}${suffix}.js`;
}

/** URL of a run file (path relative to RUN, as API responses give it), in server or static mode. */
export function fileUrl(runPath: string, isStatic: boolean): string {
  const encoded = runPath.split('/').filter((s) => s !== '').map(encodeURIComponent).join('/');
  return isStatic ? `files/${encoded}` : `/files/${encoded}`;
}

/** URL of an image thumbnail; static mode has one size ({@link STATIC_THUMB_SIZE}). */
export function thumbUrl(index: number, size: 64 | 128, isStatic: boolean): string {
  return isStatic ? `thumb/${index}.png` : `/thumb/${index}?size=${size}`;
}

/**
 * Whether a NeuronsPage row passes `filter`: `q` is matched (case-insensitive) against a label
 * that is shown as a label — one that passes its check or has none — never a failed candidate.
 * The server cuts pages with it; the static app may filter loaded rows the same way.
 */
export function neuronMatches(row: NeuronRow, filter: NeuronFilter): boolean {
  const q = filter.q.trim().toLowerCase();
  if (q !== '' && !(row.label?.text && row.labelCheck !== 'fail' && row.label.text.toLowerCase().includes(q))) return false;
  if (filter.minRate !== null && !(row.rate >= filter.minRate)) return false;
  if (filter.maxRate !== null && !(row.rate <= filter.maxRate)) return false;
  if (filter.minAuc !== null && !(row.probe !== null && row.probe.auc >= filter.minAuc)) return false;
  if (filter.circuit === CIRCUIT_FILTER_ANY) return row.circuits.length > 0;
  if (filter.circuit === CIRCUIT_FILTER_NONE) return row.circuits.length === 0;
  return filter.circuit === null || row.circuits.includes(filter.circuit);
}

// ---------------------------------------------------------------- responses

export interface ErrorResponse {
  error: string;
}

export interface OverviewResponse {
  apiVersion: number;
  run: { name: string; createdAt: string; neurolensVersion: string; fingerprint: string };
  model: {
    /** Base name of the .onnx file. */
    file: string;
    sha256: string;
    input: { name: string; dims: (number | string)[] };
    /** Model input size and layout after preprocessing. */
    inputSize: { height: number; width: number; channels: number; layout: string };
    numClasses: number | null;
    classNames: string[] | null;
  };
  layers: LayerRecord[];
  /** Poolings recorded; `defaultPooling` is what neuron endpoints use without `pooling=`. */
  poolings: string[];
  defaultPooling: string;
  dataset: {
    count: number;
    listed: number;
    skipped: number;
    /** The first (up to 20) entries of skipped.jsonl. */
    skippedExamples: { path: string; reason: string }[];
    /** Base name of the image root. */
    imageRoot: string;
  };
  analyses: {
    concepts: { layer: string; levels: number; clusters: number }[];
    circuits: { queries: number; eval: boolean; diagnoses: number; common: boolean };
    probes: { layer: string; concepts: number; pooling: string }[];
    neurons: {
      /** RUN/neurons/summary.json as stored, if any. */
      summary: RatesSummary | null;
      dissection: boolean;
      labels: boolean;
      /** Layers with RUN/neurons/exemplars.LAYER.json. */
      exemplarLayers: string[];
      /** Layers with sprites under RUN/neurons/thumbs/LAYER/. */
      spriteLayers: string[];
    };
    attribution: { name: string; methods: string[]; images: number; eval: boolean }[];
    /** HTML reports inside RUN (run-relative paths), e.g. concepts/report.html. */
    reports: string[];
  };
}

/** RUN/concepts/LAYER.json as stored. */
export type ConceptsResponse = ConceptLayer;

export interface ConceptSearchResponse {
  layer: string;
  q: string;
  total: number;
  /** At most 200 matches, by level then id. */
  results: { id: string; level: number; caption: string; keywords: string[]; images: number; neurons: number }[];
}

export interface AttributionSummary {
  /** Folder name under RUN/attribution/. */
  name: string;
  methods: string[];
  images: number;
  eval: boolean;
  /** Run-relative paths of its PNG files (overlays, curves), sorted. */
  pngs: string[];
  /** Methods the evaluation checked against random maps, and those it flags as less faithful than random. */
  checked: string[];
  lessFaithful: string[];
}

export interface AttributionListResponse {
  runs: AttributionSummary[];
}

export interface AttributionResponse extends AttributionSummary {
  /** attribution.json as stored, if any. */
  attribution: AttributionFile | null;
  /** eval.json as stored, if any. */
  evaluation: EvalResult | null;
  /** Other files of the folder (run-relative), e.g. eval.md, .npy maps. */
  files: string[];
  /** The maps as a grid: one row per image, one cell per method. */
  grid: AttributionGridRow[];
  /** Cascading-randomisation results of the folder's evaluations (eval.json and SUBFOLDER/eval.json), with their verdicts. */
  sanity: AttributionSanity[];
}

export interface Prediction {
  class: number;
  label: string | null;
  score: number;
}

export interface ImageRowView {
  index: number;
  path: string;
  width: number;
  height: number;
  top1: Prediction | null;
}

export interface ImagesPage {
  offset: number;
  limit: number;
  q: string;
  /** Images matching q (all when empty). */
  total: number;
  images: ImageRowView[];
}

export interface ImageResponse {
  index: number;
  path: string;
  sha256: string;
  width: number;
  height: number;
  predictions: Prediction[];
  /** Per recorded layer: the 5 neurons with the largest activation on this image. */
  strongest: { layer: string; pooling: string; neurons: { channel: number; activation: number }[] }[];
  /** Per concepts layer: the clusters holding this image, level 1 up to the top. */
  concepts: { layer: string; path: { id: string; level: number; caption: string }[] }[];
}

/** `/api/live`: what the browser needs to run the model itself and scale its neurons. */
export interface LiveResponse {
  model: {
    /** model.path of the manifest (shown to the user). */
    path: string;
    /** URL of the model file relative to the app, or null when it cannot be served (see `problem`). */
    url: string | null;
    bytes: number;
    /** Why the model cannot be served (missing, or not the recorded model), with the fix. */
    problem?: string;
  };
  /** The input tensor: its graph input name, dims ([1, …]) and URL prefix (`live/input/` + INDEX). */
  input: { name: string; dims: number[]; url: string };
  /** Graph output whose top-5 is shown. */
  output: string;
  /** Layers that can be scaled (the run's recorded layers). */
  layers: Pick<LayerRecord, 'id' | 'tensor' | 'kind' | 'channels' | 'layout'>[];
  classNames: string[] | null;
}

/**
 * `RUN/circuits/QUERY.html`: one self-contained page (opens from disk: no server, no network, no
 * library) for one query's circuits — the query with every root's region, its predictions, a table
 * of circuits and, per circuit (switched with a select; every section is also plain HTML), a Sankey
 * diagram drawn as inline SVG and each node's top reference images cropped to its region.
 *
 * Sankey layout (fixed columns, so no layout library): one column per layer from the root's to the
 * deepest reached; nodes ordered by channel top to bottom; a node's height is the larger of its
 * incoming and outgoing sensitivity sums (at least 3 px); a link is a ribbon of width ∝ its
 * sensitivity between two cubic Béziers, stacked at each end in channel order. Coordinates are
 * rounded to 0.1 px, so the page is byte-stable for a given result.
 */
import { escapeHtml, pageHead } from '../report/html.js';
import type { CommonPath } from './common.js';
import type { CircuitNode, CircuitQueryResult, CircuitResult } from './discover.js';
import type { ModelView } from '../maps/crops.js';
import { neuronKey, type NeuronCrop } from './neuron-crops.js';
import type { Box } from '../maps/region.js';
import { circuitMessages } from '../messages/circuits.js';

export interface CircuitReportInput {
  title: string;
  result: CircuitQueryResult;
  /** The query as the model sees it (src/maps/crops.ts modelView). */
  query: ModelView;
  /** `layer#channel` → the node's top reference images cropped to its region (./neuron-crops.ts). */
  crops: Map<string, NeuronCrop[]>;
  /** Extra HTML appended after the circuits (e.g. a common-circuits section); trusted, not escaped. */
  appendix?: string;
}

const escape = escapeHtml;
const num = (x: number, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : String(x));
const px = (x: number) => (Math.round(x * 10) / 10).toFixed(1).replace(/\.0$/, '');
const nodeLabel = (layer: string, channel: number) => `${layer} · c${channel}`;

// ---- Sankey layout ----

interface PlacedNode {
  node: CircuitNode;
  x: number;
  y: number;
  height: number;
}

interface PlacedLink {
  path: string;
  title: string;
}

export interface SankeyLayout {
  width: number;
  height: number;
  columns: { layer: string; x: number }[];
  nodes: PlacedNode[];
  links: PlacedLink[];
}

const COLUMN_GAP = 170;
const NODE_WIDTH = 12;
const NODE_GAP = 8;
const MARGIN = 24;
const TOP = 36;
const RIBBONS = 220;
const MIN_HEIGHT = 3;
const MAX_SCALE = 300;

/** Node value: the larger of a node's incoming and outgoing sensitivity sums. */
function nodeValues(circuit: CircuitResult): (n: { layer: string; channel: number }) => number {
  const inflow = new Map<string, number>();
  const outflow = new Map<string, number>();
  const key = (layer: string, channel: number) => `${layer}#${channel}`;
  for (const e of circuit.edges) {
    outflow.set(key(e.from.layer, e.from.channel), (outflow.get(key(e.from.layer, e.from.channel)) ?? 0) + e.sensitivity);
    inflow.set(key(e.to.layer, e.to.channel), (inflow.get(key(e.to.layer, e.to.channel)) ?? 0) + e.sensitivity);
  }
  return (n) => Math.max(inflow.get(key(n.layer, n.channel)) ?? 0, outflow.get(key(n.layer, n.channel)) ?? 0);
}

/** Pixels per unit of sensitivity that fit the circuit's fullest column into the ribbon height (at most MAX_SCALE). */
export function sankeyScale(circuit: CircuitResult, layers: readonly string[]): number {
  const value = nodeValues(circuit);
  const totals = layers.map((id) => circuit.nodes.filter((n) => n.layer === id).reduce((s, n) => s + value(n), 0));
  return Math.min(MAX_SCALE, RIBBONS / Math.max(1e-12, ...totals));
}

/** Places a circuit's nodes and ribbons (see the file comment); `scale` is shared by a report's circuits so widths compare. */
export function sankeyLayout(circuit: CircuitResult, layers: readonly string[], scale = sankeyScale(circuit, layers)): SankeyLayout {
  const layerOf = new Map(layers.map((id, i) => [id, i]));
  const key = (layer: string, channel: number) => `${layer}#${channel}`;
  const value = nodeValues(circuit);
  const used = [...new Set(circuit.nodes.map((n) => layerOf.get(n.layer)!))].sort((a, b) => a - b);
  const first = used[0] ?? 0;
  const last = used[used.length - 1] ?? 0;
  const columns: { layer: string; x: number }[] = [];
  for (let l = first; l <= last; l++) columns.push({ layer: layers[l]!, x: MARGIN + (l - first) * COLUMN_GAP });
  const perColumn = columns.map((c) => circuit.nodes.filter((n) => n.layer === c.layer).sort((a, b) => a.channel - b.channel));
  const heights = perColumn.map((nodes) => nodes.map((n) => Math.max(MIN_HEIGHT, value(n) * scale)));
  const columnHeight = heights.map((h) => h.reduce((s, x) => s + x, 0) + NODE_GAP * Math.max(0, h.length - 1));
  const inner = Math.max(RIBBONS, ...columnHeight);
  const placed = new Map<string, PlacedNode>();
  perColumn.forEach((nodes, c) => {
    let y = TOP + (inner - columnHeight[c]!) / 2;
    nodes.forEach((node, i) => {
      placed.set(key(node.layer, node.channel), { node, x: columns[c]!.x, y, height: heights[c]![i]! });
      y += heights[c]![i]! + NODE_GAP;
    });
  });
  // Ribbon ends stack in channel order at both nodes.
  const sourceOffset = new Map<string, number>();
  const targetOffset = new Map<string, number>();
  const bySource = [...circuit.edges].sort((a, b) => layerOf.get(a.from.layer)! - layerOf.get(b.from.layer)! || a.from.channel - b.from.channel || a.to.channel - b.to.channel);
  const byTarget = [...circuit.edges].sort((a, b) => layerOf.get(a.to.layer)! - layerOf.get(b.to.layer)! || a.to.channel - b.to.channel || a.from.channel - b.from.channel);
  const ends = new Map<(typeof circuit.edges)[number], { y0: number; y1: number }>();
  for (const e of bySource) {
    const k = key(e.from.layer, e.from.channel);
    const at = sourceOffset.get(k) ?? 0;
    ends.set(e, { y0: placed.get(k)!.y + at, y1: 0 });
    sourceOffset.set(k, at + e.sensitivity * scale);
  }
  for (const e of byTarget) {
    const k = key(e.to.layer, e.to.channel);
    const at = targetOffset.get(k) ?? 0;
    ends.get(e)!.y1 = placed.get(k)!.y + at;
    targetOffset.set(k, at + e.sensitivity * scale);
  }
  const links = circuit.edges.map((e) => {
    const { y0, y1 } = ends.get(e)!;
    const t = e.sensitivity * scale;
    const x0 = placed.get(key(e.from.layer, e.from.channel))!.x + NODE_WIDTH;
    const x1 = placed.get(key(e.to.layer, e.to.channel))!.x;
    const xm = (x0 + x1) / 2;
    const path = `M${px(x0)},${px(y0)}C${px(xm)},${px(y0)} ${px(xm)},${px(y1)} ${px(x1)},${px(y1)}` +
      `L${px(x1)},${px(y1 + t)}C${px(xm)},${px(y1 + t)} ${px(xm)},${px(y0 + t)} ${px(x0)},${px(y0 + t)}Z`;
    const title = `${nodeLabel(e.from.layer, e.from.channel)} → ${nodeLabel(e.to.layer, e.to.channel)}: sensitivity ${num(e.sensitivity)}, SFS ${num(e.sfs)}`;
    return { path, title };
  });
  const width = MARGIN * 2 + (columns.length - 1) * COLUMN_GAP + NODE_WIDTH + 48;
  return { width, height: TOP + inner + MARGIN, columns, nodes: [...placed.values()], links };
}

function sankeySvg(circuit: CircuitResult, layers: readonly string[], ci: number, scale: number): string {
  const layout = sankeyLayout(circuit, layers, scale);
  const isRoot = (n: CircuitNode) => n.layer === circuit.root.layer && n.channel === circuit.root.channel;
  const columns = layout.columns.map((c) => `<text class="col" x="${px(c.x + NODE_WIDTH / 2)}" y="16" text-anchor="middle">${escape(c.layer)}</text>`).join('');
  const links = layout.links.map((l) => `<path class="link" d="${l.path}"><title>${escape(l.title)}</title></path>`).join('');
  const nodes = layout.nodes.map((p) => {
    const label = nodeLabel(p.node.layer, p.node.channel);
    return `<a href="#${anchor(ci, p.node)}"><rect class="node${isRoot(p.node) ? ' root' : ''}" x="${px(p.x)}" y="${px(p.y)}" width="${NODE_WIDTH}" height="${px(p.height)}"><title>${escape(`${label} — act ${num(p.node.act)}`)}</title></rect>` +
      `<text class="lab" x="${px(p.x + NODE_WIDTH + 3)}" y="${px(p.y + p.height / 2 + 3)}">c${p.node.channel}</text></a>`;
  }).join('');
  return `<svg class="sankey" viewBox="0 0 ${px(layout.width)} ${px(layout.height)}" width="${px(layout.width)}" height="${px(layout.height)}" role="img" aria-label="Sankey diagram of circuit ${escape(circuit.id)}">${columns}${links}${nodes}</svg>`;
}

// ---- pieces ----

const anchor = (ci: number, n: { layer: string; channel: number }) => `n${ci}-${n.layer.replace(/[^A-Za-z0-9_-]/g, '_')}-${n.channel}`;

function boxRect(box: Box, cls: string, title: string): string {
  return `<rect class="${cls}" x="${box.x}" y="${box.y}" width="${box.width}" height="${box.height}"><title>${escape(title)}</title></rect>`;
}

function queryFigure(view: ModelView, boxes: string, size = 224): string {
  return `<svg class="query" viewBox="0 0 ${view.width} ${view.height}" width="${size}" height="${px((size * view.height) / view.width)}">` +
    `<image href="${view.dataUri}" width="${view.width}" height="${view.height}"/>${boxes}</svg>`;
}

function nodeCard(ci: number, node: CircuitNode, crops: NeuronCrop[] | undefined, root: boolean): string {
  const pictures = (crops ?? []).map((c) => {
    const title = `image ${c.index}${c.path ? ` (${c.path})` : ''} · act ${num(c.act)} · region ${c.region.x},${c.region.y} ${c.region.width}×${c.region.height}`;
    return c.dataUri ? `<img src="${c.dataUri}" title="${escape(title)}" alt="">` : `<span class="missing" title="${escape(title)}">?</span>`;
  }).join('');
  const r = node.region;
  return `<div class="card${root ? ' root' : ''}" id="${anchor(ci, node)}"><div class="name">${escape(nodeLabel(node.layer, node.channel))}${root ? ' <b>root</b>' : ''}</div>` +
    `<div class="meta">act ${num(node.act)}${node.support === undefined ? '' : ` · support ${num(node.support)} (logit drop zeroed alone)`} · region ${r.x},${r.y} ${r.width}×${r.height}</div><div class="crops">${pictures || '<em>no reference images</em>'}</div></div>`;
}

/** The circuit against random sets of its sizes on this query (older files: empty). */
function randomText(c: CircuitResult): string {
  const e = c.effect;
  if (!e?.random || !e.difference || !e.verdict) return '';
  const iv = (i: readonly [number, number]) => `[${num(i[0])}, ${num(i[1])}]`;
  const ratio = e.ratio ? `${num(e.ratio.value)}× ${iv(e.ratio.ci)}` : 'ratio n/a';
  return `random ${num(e.random.mean)} ${iv(e.random.ci)} · circuit − random ${num(e.difference.mean)} ${iv(e.difference.ci)} · ${ratio} · ${circuitMessages.verdict(e.verdict)}`;
}

/** "caption (k/n neurons)", or empty without a concepts run. */
function conceptText(c: CircuitResult): string {
  return c.concept ? `${c.concept.caption} (${c.concept.neurons}/${c.concept.of} neurons)` : '';
}

function circuitSection(circuit: CircuitResult, ci: number, input: CircuitReportInput, scale: number): string {
  const { result } = input;
  const layerIds = result.layers.map((l) => l.id);
  const root = circuit.nodes.find((n) => n.layer === circuit.root.layer && n.channel === circuit.root.channel)!;
  const s = circuit.summary;
  const perLayer = s.layers.map((n, l) => (n > 0 ? `${escape(layerIds[l]!)}: ${n}` : '')).filter(Boolean).join(' · ');
  const cards = circuit.nodes.map((n) => nodeCard(ci, n, input.crops.get(neuronKey(n)), n === root)).join('');
  return `<section class="circuit" id="circuit-${ci}"${ci === 0 ? '' : ' hidden'}>` +
    `<h2>Circuit ${escape(circuit.id)}${circuit.concept ? ` — ${escape(circuit.concept.caption)}` : ''} <span class="meta">${circuit.effect ? `rank ${circuit.effect.rank} · logit drop ${num(circuit.effect.drop)} when zeroed · ` : ''}${s.nodes} nodes · ${s.edges} edges · mean sensitivity ${num(s.meanSensitivity)}</span></h2>` +
    `<p class="meta">nodes per layer: ${perLayer}</p>` +
    (randomText(circuit) ? `<p class="meta" title="${escape(circuit.effect?.verdict?.ratioNa ?? '')}">${escape(randomText(circuit))}</p>` : '') +
    `<div class="row"><figure>${queryFigure(input.query, boxRect(root.region, 'box', `root ${nodeLabel(root.layer, root.channel)}`), 160)}<figcaption>root region on the query</figcaption></figure>` +
    `<div class="scroll">${sankeySvg(circuit, layerIds, ci, scale)}</div></div>` +
    `<h3>Nodes <span class="meta">top ${Math.max(0, ...circuit.nodes.map((n) => input.crops.get(neuronKey(n))?.length ?? 0))} reference images each, cropped to the node's region</span></h3><div class="cards">${cards}</div></section>`;
}

/**
 * The common-circuits section for several queries: the longest path whose every edge is in every
 * query's circuits (common.ts), each step with every query's sensitivity and SFS, and each node's
 * reference crops. `queries` names the queries in the order of the path's score arrays.
 */
export function renderCommonSection(common: CommonPath, queries: readonly string[], crops: Map<string, NeuronCrop[]>): string {
  const head = `<h2>Common circuit of ${queries.length} queries <span class="meta">${escape(queries.join(', '))}</span></h2>`;
  if (common.length === 0) return `<section class="common">${head}<p><em>The queries' circuits share no edge.</em></p></section>`;
  const path = common.nodes.map((n) => `<code>${escape(nodeLabel(n.layer, n.channel))}</code>`).join(' → ');
  const header = queries.map((q) => `<th>${escape(q)}</th>`).join('');
  const rows = common.edges.map((e) =>
    `<tr><td>${escape(nodeLabel(e.from.layer, e.from.channel))} → ${escape(nodeLabel(e.to.layer, e.to.channel))}</td>` +
    e.sensitivity.map((s, i) => `<td>${num(s)} / ${num(e.sfs[i]!)}</td>`).join('') + '</tr>').join('');
  const cards = common.nodes.map((n) => {
    const pictures = (crops.get(neuronKey(n)) ?? []).map((c) => (c.dataUri ? `<img src="${c.dataUri}" title="${escape(`image ${c.index} (${c.path}) · act ${num(c.act)}`)}" alt="">` : '')).join('');
    return `<div class="card"><div class="name">${escape(nodeLabel(n.layer, n.channel))}</div><div class="crops">${pictures}</div></div>`;
  }).join('');
  return `<section class="common">${head}<p>Longest path shared by every query (${common.length} edges; ${common.commonEdges} edges are common to all): ${path}</p>` +
    `<table><thead><tr><th>edge</th>${header}</tr></thead><tbody>${rows}</tbody></table><p class="meta">cells: sensitivity / SFS per query</p><div class="cards">${cards}</div></section>`;
}

export function renderCircuitReport(input: CircuitReportInput): string {
  const { result } = input;
  const q = result.query;
  const predictions = q.predicted.map((p) => `<tr><td>${p.class}</td><td>${escape(p.label ?? '')}</td><td>${num(p.logit)}</td><td>${num(p.prob)}</td></tr>`).join('');
  const circuitRoots = new Set(result.circuits.map((c) => `${c.root.layer}#${c.root.channel}`));
  const rootBoxes = result.circuits.map((c) => {
    const root = c.nodes.find((n) => n.layer === c.root.layer && n.channel === c.root.channel)!;
    return boxRect(root.region, 'box all', `circuit ${c.id}`);
  }).join('');
  // Effect and concept columns only for results that carry them (older files keep their layout).
  const measured = result.circuits.some((c) => c.effect || c.concept);
  const rows = result.circuits.map((c, i) =>
    `<tr><td><a href="#circuit-${i}" data-circuit="${i}">${escape(c.id)}</a></td>${measured ? `<td>${c.effect ? num(c.effect.drop) : ''}</td><td>${escape(randomText(c))}</td><td>${escape(conceptText(c))}</td>` : ''}<td>${c.summary.nodes}</td><td>${c.summary.edges}</td>` +
    `<td>${c.summary.layers.join(' / ')}</td><td>${num(c.summary.meanSensitivity)}</td></tr>`).join('');
  const options = result.circuits.map((c, i) => `<option value="${i}">${escape(c.id)} (${c.summary.nodes} nodes${c.effect ? `, drop ${num(c.effect.drop)}` : ''}${c.concept ? `, ${escape(c.concept.caption)}` : ''})</option>`).join('');
  const d = result.diagnostics;
  const gate = result.support && result.support.layers.length > 0 ? result.support : undefined;
  const gateText = gate ? ` · support gate (${escape(gate.layers.join(', '))}): ${gate.supporting} of ${gate.tested} tested neurons lower the predicted logit when zeroed alone; only they can enter a circuit` : '';
  const layerIds = result.layers.map((l) => l.id);
  // One scale for every circuit of the page, so ribbon widths compare across circuits.
  const scale = Math.min(MAX_SCALE, ...result.circuits.map((c) => sankeyScale(c, layerIds)));
  const body = result.circuits.length === 0
    ? `<p><em>No circuits: ${result.roots.length === 0 ? 'the query is in no neuron’s top-1 % reference set' : gate ? 'no root both supports the prediction and kept an edge to a supporting neuron after the sensitivity and semantic cuts' : 'no root kept an edge after the sensitivity and semantic cuts'}.</em></p>`
    : `<h2>Circuits</h2>${measured ? `<p class="meta">Ranked by effect: the drop of the predicted logit when the circuit alone is zeroed. Concept: the caption most of its neurons' top-10 % images match best (neurons sharing it / all).</p>` : ''}<table><thead><tr><th>circuit (root)</th>${measured ? '<th>effect (logit drop)</th><th>vs random sets of its sizes (95 % intervals over draws)</th><th>concept</th>' : ''}<th>nodes</th><th>edges</th><th>nodes per layer (${result.layers.map((l) => escape(l.id)).join(' / ')})</th><th>mean sensitivity</th></tr></thead><tbody>${rows}</tbody></table>` +
      `<p><label>Show circuit <select id="circuit">${options}</select></label></p>` +
      result.circuits.map((c, i) => circuitSection(c, i, input, scale)).join('\n');
  return `${pageHead(input.title, `body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem;color:#1b1f24;max-width:1200px}
h1{font-size:1.3rem}h2{font-size:1.1rem;margin-top:1.5rem}h3{font-size:1rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #d0d7de;padding:.15rem .5rem;text-align:left}
.meta{color:#57606a;font-size:12px}.row{display:flex;gap:1rem;align-items:flex-start}.scroll{overflow-x:auto}
figure{margin:0}figcaption{font-size:12px;color:#57606a}
svg.query{image-rendering:pixelated;border:1px solid #d0d7de}svg.query image{image-rendering:pixelated}
.box{fill:none;stroke:#e5534b;stroke-width:1.5;vector-effect:non-scaling-stroke}.box.all{stroke-width:1;stroke-opacity:.6}
.sankey .link{fill:#54aeff;fill-opacity:.45}.sankey .link:hover{fill-opacity:.8}
.sankey .node{fill:#57606a}.sankey .node.root{fill:#e5534b}.sankey text{font:10px system-ui,sans-serif;fill:#1b1f24}.sankey .col{font-weight:600}
.cards{display:flex;flex-wrap:wrap;gap:.5rem}.card{border:1px solid #d0d7de;padding:.3rem;width:290px}.card.root{border-color:#e5534b}
.card .name{font:12px monospace}.crops img,.missing{width:64px;height:64px;margin:1px;image-rendering:pixelated;display:inline-block;background:#f6f8fa;text-align:center}`)}
<h1>${escape(input.title)}</h1>
<p>Granular concept circuits of one query: roots are the neurons whose top-1 % reference images the query joins; edges lead to next-layer neurons that are highly sensitive to the root (peaks-over-threshold cut) and share its reference images (semantic flow cut). Ribbon width ∝ sensitivity.</p>
<div class="row"><figure>${queryFigure(input.query, result.roots.length ? rootBoxes : '')}<figcaption>${escape(q.image)}${q.index === undefined ? '' : ` (image ${q.index})`}: circuit roots’ regions</figcaption></figure>
<div><table><thead><tr><th>class</th><th>label</th><th>logit</th><th>prob</th></tr></thead><tbody>${predictions}</tbody></table>
<p class="meta">percentile ${result.percentile} · layers ${result.layers.map((l) => `${escape(l.id)} (${l.channels})`).join(', ')}<br>
${result.roots.length} roots (${circuitRoots.size} start a circuit) · ${result.circuits.length} circuits · ${d.sources} neurons expanded · ${d.edgesConsidered} candidate edges${gateText} · ${num(d.seconds, 1)} s</p></div></div>
${body}
${input.appendix ?? ''}
<script>
(function () {
  var select = document.getElementById('circuit');
  if (!select) return;
  function show(i) { select.value = String(i); document.querySelectorAll('section.circuit').forEach(function (s) { s.hidden = s.id !== 'circuit-' + i; }); }
  select.addEventListener('change', function () { show(select.value); });
  document.querySelectorAll('a[data-circuit]').forEach(function (a) { a.addEventListener('click', function () { show(a.getAttribute('data-circuit')); }); });
})();
</script>
</body></html>
`;
}

/**
 * `RUN/probes/report.html`: one self-contained page (opens from disk, no server, no network) with,
 * per layer and concept, the metrics of every probe kind against the baselines, the neurons ranked
 * by single-neuron AUC with their top images, and the sparse probe's AUC-vs-k curve (inline SVG).
 * Each thumbnail is embedded once, as a CSS class holding its data URI, however often it is shown.
 */
import { escapeHtml, pageHead } from '../report/html.js';
import type { ConceptProbes, ProbeLayer, ProbeScores, Scores } from './layer-probes.js';
import { headlineText } from './headline.js';
import type { Interval } from './bootstrap.js';
import { probeMessages } from '../messages/index.js';

export interface ProbeReportInput {
  title: string;
  layers: ProbeLayer[];
  /** Per layer id: neuron → its top images (run image indices, best first). */
  neuronImages: Map<string, Map<number, number[]>>;
  /** Image index → data URI of a small thumbnail. */
  thumbnails: Map<number, string>;
  /** Image index → relative path (the thumbnail's title). */
  paths: Map<number, string>;
  /** Neurons listed per concept (default 5) and images per neuron (default 4). */
  neuronsPerConcept?: number;
  imagesPerNeuron?: number;
}

const escape = escapeHtml;
const num = (x: number | null | undefined, digits = 3) => (x === null || x === undefined ? '—' : x.toFixed(digits));

const PROBE_ROWS: { key: keyof ConceptProbes['probes']; label: string }[] = [
  { key: 'singleNeuron', label: 'best single neuron' },
  { key: 'multiNeuron', label: 'multi-neuron (logistic)' },
  { key: 'multiConcept', label: 'multi-concept' },
  { key: 'mlp', label: 'MLP' },
];

/** A value with its 95 % interval underneath, when it has one. */
const withCi = (x: number | null, ci: Interval | null | undefined) =>
  ci ? `${num(x)}<br><span class="meta">${num(ci[0])}–${num(ci[1])}</span>` : num(x);

function metricCells(m: Scores | null | undefined, ci?: ProbeScores['ci']): string {
  return m ? `<td>${withCi(m.auc, ci?.auc)}</td><td>${num(m.balancedAccuracy)}</td><td>${withCi(m.accuracy, ci?.accuracy)}</td>` : '<td>—</td><td>—</td><td>—</td>';
}

function metricsTable(concept: ConceptProbes): string {
  const rows = PROBE_ROWS.map(({ key, label }) => {
    const probe = concept.probes[key];
    const extra = key === 'singleNeuron' && probe && 'neuron' in probe ? ` <span class="meta">#${probe.neuron}</span>` : '';
    const validation = probe?.validation ? num(probe.validation.auc) : '—';
    return `<tr><th>${label}${extra}</th>${metricCells(probe?.test, probe?.ci)}<td>${validation}</td></tr>`;
  });
  rows.push(`<tr class="base"><th>majority class</th>${metricCells(concept.baselines.majority)}<td>—</td></tr>`);
  rows.push(`<tr class="base"><th>shuffled labels (multi-neuron)</th>${metricCells(concept.baselines.shuffled)}<td>—</td></tr>`);
  return '<table><thead><tr><th>probe</th><th>test AUC</th><th>balanced acc.</th><th>accuracy</th><th>val. AUC</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table>`;
}

/** AUC against the number of neurons kept (largest weights first), with the target line. */
function curveSvg(concept: ConceptProbes): string {
  const curve = concept.sparse.curve.filter((p) => p.auc !== null) as { k: number; auc: number }[];
  if (curve.length === 0) return '';
  const w = 260;
  const h = 120;
  const pad = 24;
  const maxK = Math.max(...curve.map((p) => p.k), 1);
  const logK = (k: number) => Math.log2(k) / Math.log2(Math.max(2, maxK));
  const x = (k: number) => (pad + logK(k) * (w - 2 * pad)).toFixed(1);
  const y = (auc: number) => (h - pad - Math.max(0, Math.min(1, (auc - 0.5) / 0.5)) * (h - 2 * pad)).toFixed(1);
  const line = curve.map((p) => `${x(p.k)},${y(p.auc)}`).join(' ');
  const target = concept.sparse.targetAuc;
  const targetLine = target === null ? '' : `<line x1="${pad}" x2="${w - pad}" y1="${y(target)}" y2="${y(target)}" class="target"><title>target AUC ${num(target)}</title></line>`;
  const dots = curve.map((p) => `<circle cx="${x(p.k)}" cy="${y(p.auc)}" r="2.5"${p.k === concept.sparse.k ? ' class="hit"' : ''}><title>k=${p.k}: AUC ${num(p.auc)}</title></circle>`).join('');
  return `<svg class="curve" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="test AUC against k">` +
    `<line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" class="axis"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${h - pad}" class="axis"/>` +
    `<text x="${pad - 3}" y="${y(1)}" text-anchor="end">1</text><text x="${pad - 3}" y="${y(0.5)}" text-anchor="end">.5</text>` +
    `<text x="${pad}" y="${h - 8}">1</text><text x="${w - pad}" y="${h - 8}" text-anchor="end">k=${maxK}</text>` +
    targetLine + `<polyline points="${line}"/>${dots}</svg>`;
}

function neuronRows(concept: ConceptProbes, images: Map<number, number[]> | undefined, input: ProbeReportInput, classOf: (i: number) => string | undefined): string {
  const shown = concept.topNeurons.slice(0, input.neuronsPerConcept ?? 5);
  if (shown.length === 0) return '';
  return '<table class="neurons"><thead><tr><th>neuron</th><th>AUC (train+val.)</th><th>test AUC</th><th>probe weight</th><th>top images</th></tr></thead><tbody>' +
    shown.map((n) => {
      const thumbs = (images?.get(n.neuron) ?? []).slice(0, input.imagesPerNeuron ?? 4)
        .map((i) => {
          const cls = classOf(i);
          return cls ? `<i class="t ${cls}" title="${escape(input.paths.get(i) ?? String(i))}"></i>` : `<span class="meta">${i}</span>`;
        }).join('');
      return `<tr><td>#${n.neuron}</td><td>${num(n.heldInAuc)}</td><td>${num(n.auc)}</td><td>${num(n.weight, 2)}</td><td>${thumbs}</td></tr>`;
    }).join('') + '</tbody></table>';
}

function conceptBlock(concept: ConceptProbes, layer: ProbeLayer, input: ProbeReportInput, classOf: (i: number) => string | undefined): string {
  const images = input.neuronImages.get(layer.layer.id);
  const multi = concept.probes.multiNeuron.test.auc;
  const control = concept.baselines.shuffled.auc;
  const sparse = concept.sparse.k === null ? 'not reached' : `${concept.sparse.k} neuron(s)`;
  const tooFew = concept.split.testPositives < layer.headline.minTestPositives ? ` · <b class="few">${escape(probeMessages.tooFewTestPositives(concept.split.testPositives))}</b>, not ranked` : '';
  return `<details><summary><b>${escape(concept.name)}</b> <span class="meta">${concept.positives} positive / ${concept.negatives} negative${tooFew} · ` +
    `multi-neuron test AUC ${num(multi)} (shuffled ${num(control)}) · ${Math.round(100 * concept.sparse.target)} % of it with ${sparse}</span></summary>` +
    `<div class="body"><div class="row"><div>${metricsTable(concept)}</div><div>${curveSvg(concept)}</div></div>` +
    neuronRows(concept, images, input, classOf) + '</div></details>';
}

function layerSection(layer: ProbeLayer, index: number, input: ProbeReportInput, classOf: (i: number) => string | undefined): string {
  const headline = `<p class="headline">${escape(headlineText(layer.headline))}</p>`;
  const joint = layer.joint
    ? `<p><b>joint (exclusive concepts as classes):</b> multi-concept test accuracy ${num(layer.joint.multiConcept?.test.accuracy ?? null)}` +
      `${layer.joint.mlp ? `, MLP ${num(layer.joint.mlp.test.accuracy)}` : ''} · majority ${num(layer.joint.majority)}</p>`
    : '';
  return `<section id="layer-${index}"${index === 0 ? '' : ' hidden'}><h2>${escape(layer.layer.id)} <span class="meta">${layer.layer.channels} neurons · ${escape(layer.pooling)} pooling · ${layer.concepts.length} concepts</span></h2>` +
    headline + joint + layer.concepts.map((c) => conceptBlock(c, layer, input, classOf)).join('') + '</section>';
}

export function renderProbeReport(input: ProbeReportInput): string {
  // One CSS class per thumbnail actually shown, numbered in first-use order (deterministic).
  const classes = new Map<number, string>();
  const classOf = (i: number) => {
    if (!input.thumbnails.has(i)) return undefined;
    if (!classes.has(i)) classes.set(i, `t${classes.size}`);
    return classes.get(i);
  };
  const sections = input.layers.map((l, i) => layerSection(l, i, input, classOf)).join('\n');
  const thumbCss = [...classes].map(([i, cls]) => `.${cls}{background-image:url(${input.thumbnails.get(i)})}`).join('\n');
  const options = input.layers.map((l, i) => `<option value="${i}">${escape(l.layer.id)}</option>`).join('');
  return `${pageHead(input.title, `body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem;color:#1b1f24;max-width:1100px}
h1{font-size:1.3rem}h2{font-size:1.1rem;margin-top:1.5rem}
details{margin:.3rem 0;border-left:2px solid #d0d7de;padding-left:.6rem}summary{cursor:pointer}
.meta{color:#57606a;font-size:12px}.row{display:flex;gap:1.5rem;flex-wrap:wrap;align-items:flex-start}
table{border-collapse:collapse;margin:.4rem 0;font-size:13px}th,td{padding:.15rem .5rem;text-align:right;border-bottom:1px solid #eaeef2}
th:first-child{text-align:left}tr.base{color:#57606a}.few{color:#9a6700}
.t{display:inline-block;width:40px;height:40px;margin:1px;background-size:contain;background-repeat:no-repeat;background-position:center;image-rendering:pixelated;border:1px solid #eee}
svg.curve polyline{fill:none;stroke:#0969da;stroke-width:1.5}svg.curve circle{fill:#0969da}svg.curve circle.hit{fill:#cf222e}
svg.curve .axis{stroke:#8c959f}svg.curve .target{stroke:#cf222e;stroke-dasharray:3 3}svg.curve text{font-size:9px;fill:#57606a}
${thumbCss}`)}
<h1>${escape(input.title)}</h1>
<p>Probes: how well a layer's neurons predict each concept on held-out images (test split). A probe is meaningful when it clearly beats the majority class and the same probe trained on shuffled labels. Neurons are ranked by their own AUC; the curve shows the multi-neuron probe's test AUC when only its k largest-weight neurons are kept. Under a test AUC or accuracy: its 95 % interval (bootstrap of the test split, at least as wide as the Wilson interval). A concept with fewer test positives than the layer's floor is shown but never ranked or named best.</p>
<label>Layer <select id="layer">${options}</select></label>
${sections}
<script>
document.getElementById('layer').addEventListener('change', function (e) {
  document.querySelectorAll('section').forEach(function (s, i) { s.hidden = String(i) !== e.target.value; });
});
</script>
</body></html>
`;
}

/**
 * `RUN/concepts/report.html`: one self-contained page (opens from disk, no server, no network)
 * with the concept tree per layer — captions, group sizes vs chance, six example images per
 * cluster, difference neurons and their descriptions. Thumbnails are embedded once as data URIs.
 */
import { escapeHtml, pageHead } from '../report/html.js';
import type { ConceptCluster, ConceptLayer } from './types.js';
import { groupSummary } from './summary.js';
import { conceptMessages } from '../messages/index.js';

export interface ReportInput {
  title: string;
  layers: ConceptLayer[];
  /** Image index → data URI of a small thumbnail. */
  thumbnails: Map<number, string>;
  /** Image index → relative path (shown as the thumbnail's title). */
  paths: Map<number, string>;
  examplesPerCluster?: number;
}

const escape = escapeHtml;

/** This report's stylesheet (the page shell is shared: src/report/html.ts). */
const PAGE_CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem;color:#1b1f24;max-width:1100px}
h1{font-size:1.3rem}h2{font-size:1.1rem;margin-top:1.5rem}
details{margin:.25rem 0 .25rem 1rem;border-left:2px solid #d0d7de;padding-left:.6rem}
summary{cursor:pointer}.id{font:12px monospace;color:#57606a}.meta,.method{color:#57606a;font-size:12px}
.thumbs img{width:48px;height:48px;margin:2px;image-rendering:pixelated;border:1px solid #eee}
.diff{background:#f6f8fa;padding:.3rem .5rem}p{margin:.3rem 0}`;
const pct = (x: number) => `${(100 * x).toFixed(0)}%`;

function neuronList(neurons: readonly number[], limit = 40): string {
  if (neurons.length === 0) return '<em>none</em>';
  const shown = neurons.slice(0, limit).join(', ');
  return neurons.length > limit ? `${shown}, … (${neurons.length})` : shown;
}

function clusterNode(cluster: ConceptCluster, byId: Map<string, ConceptCluster>, input: ReportInput): string {
  const examples = cluster.images.slice(0, input.examplesPerCluster ?? 6);
  const images = examples
    .map((i) => (input.thumbnails.has(i) ? `<img src="${input.thumbnails.get(i)}" title="${escape(input.paths.get(i) ?? String(i))}" alt="">` : ''))
    .join('');
  const children = cluster.children.map((id) => byId.get(id)).filter((c): c is ConceptCluster => c !== undefined);
  const difference = cluster.parent
    ? `<p class="diff"><b>vs parent:</b> ${escape(cluster.differenceDescription || '—')} <span class="method">(${escape(cluster.differenceMethod)})</span><br><b>difference neurons:</b> ${neuronList(cluster.differenceNeurons)}</p>`
    : '';
  return `<details${cluster.level > 1 ? '' : ' class="leaf"'}><summary><span class="id">${cluster.id}</span> ${escape(cluster.caption)}` +
    ` <span class="meta">${cluster.images.length} images · ${escape(groupSummary(cluster, { detailed: true }))}</span></summary>` +
    `<div class="body"><div class="thumbs">${images}</div>` +
    `<p><b>keywords:</b> ${escape(cluster.keywords.join(', ') || '—')} <span class="method">(caption: ${escape(cluster.captionMethod)})</span></p>` +
    (cluster.neurons.length === 0
      ? `<p><b>neurons:</b> ${conceptMessages.noSharedNeurons()}</p>`
      : `<p><b>neurons:</b> ${neuronList(cluster.neurons)} <span class="meta">in-cluster ${pct(cluster.stats.inShare)} · elsewhere ${pct(cluster.stats.outShare)}</span></p>`) +
    difference +
    children.map((c) => clusterNode(c, byId, input)).join('') +
    '</div></details>';
}

function layerSection(layer: ConceptLayer, index: number, input: ReportInput): string {
  const byId = new Map(layer.clusters.map((c) => [c.id, c]));
  const top = Math.max(...layer.levels.map((l) => l.level));
  const roots = layer.clusters.filter((c) => c.level === top);
  const levels = layer.levels.map((l) => `level ${l.level}: ${l.clusters}`).join(' · ');
  return `<section id="layer-${index}"${index === 0 ? '' : ' hidden'}><h2>${escape(layer.layer.id)} <span class="meta">${layer.layer.channels} neurons · ${escape(layer.pooling)} pooling · ${levels}</span></h2>` +
    roots.map((c) => clusterNode(c, byId, input)).join('') + '</section>';
}

export function renderConceptReport(input: ReportInput): string {
  const options = input.layers.map((l, i) => `<option value="${i}">${escape(l.layer.id)}</option>`).join('');
  return `${pageHead(input.title, PAGE_CSS)}
<h1>${escape(input.title)}</h1>
<p>Concept hierarchy: clusters of images by caption (finest = level 1), each with the group of neurons active on most of its images. A group is meaningful when its size and specificity clearly exceed the chance values (same cluster sizes, images shuffled).</p>
<label>Layer <select id="layer">${options}</select></label>
${input.layers.map((l, i) => layerSection(l, i, input)).join('\n')}
<script>
document.getElementById('layer').addEventListener('change', function (e) {
  document.querySelectorAll('section').forEach(function (s, i) { s.hidden = String(i) !== e.target.value; });
});
</script>
</body></html>
`;
}

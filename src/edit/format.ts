/** The short text summary `neurolens edit` prints (the full figures are in the files it names). */
import { basename } from 'node:path';
import type { EditResult } from './types.js';

/** Classes shown in the per-class table (largest accuracy change first); the rest are in eval.json. */
const SHOWN_CLASSES = 10;

const f4 = (x: number) => x.toFixed(4);
const signed = (x: number) => (x > 0 ? '+' : '') + x.toFixed(4);

export function formatEditSummary(result: EditResult): string {
  const how = result.scale === 0 ? 'zeroed' : `scaled ×${result.scale}`;
  const lines = [`wrote ${result.out}: ${result.neurons} neuron(s) in ${result.layers.length} layer(s) ${how}`];
  const idWidth = Math.max(...result.layers.map((l) => l.id.length));
  for (const l of result.layers) {
    lines.push(`  ${l.id.padEnd(idWidth)}  ${l.kind.padEnd(7)}  channel${l.edited.length > 1 ? 's' : ''} ${l.edited.join(', ')} of ${l.channels}`);
  }
  lines.push(`model card: ${result.card}`);
  const e = result.evaluation;
  if (e) {
    lines.push(`eval on ${e.labels}: ${e.n} image(s)${e.skipped.length > 0 ? `, ${e.skipped.length} skipped` : ''}`);
    lines.push(`  ${''.padEnd(20)}  ${'before'.padStart(8)}  ${'after'.padStart(8)}  ${'change'.padStart(8)}`);
    lines.push(`  ${'accuracy'.padEnd(20)}  ${f4(e.accuracy.before).padStart(8)}  ${f4(e.accuracy.after).padStart(8)}  ${signed(e.accuracy.change).padStart(8)}`);
    lines.push(`  predictions changed: ${e.predictionsChanged} of ${e.n}`);
    lines.push(`  true-class logit: mean Δ ${signed(e.logits.meanDeltaTrue)}, mean |Δ| ${f4(e.logits.meanAbsDeltaTrue)}; all logits: mean |Δ| ${f4(e.logits.meanAbsDeltaAll)}`);
    const shown = [...e.perClass].sort((a, b) => Math.abs(b.change) - Math.abs(a.change) || a.class - b.class).slice(0, SHOWN_CLASSES);
    const label = (c: (typeof shown)[number]) => (c.name === undefined ? String(c.class) : `${c.class} ${c.name}`).slice(0, 20);
    lines.push(`  ${'class'.padEnd(20)}  ${'n'.padStart(5)}  ${'before'.padStart(8)}  ${'after'.padStart(8)}  ${'change'.padStart(8)}`);
    for (const c of shown) {
      lines.push(`  ${label(c).padEnd(20)}  ${String(c.n).padStart(5)}  ${f4(c.before).padStart(8)}  ${f4(c.after).padStart(8)}  ${signed(c.change).padStart(8)}`);
    }
    if (e.perClass.length > shown.length) lines.push(`  (${e.perClass.length - shown.length} more class(es) in ${basename(result.evalPath ?? '')})`);
    if (result.evalPath) lines.push(`result: ${result.evalPath}`);
  }
  return lines.join('\n') + '\n';
}

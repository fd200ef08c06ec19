/** Plain-text rendering of a ModelSummary for `neurolens inspect`. */
import type { LayerInfo, ModelSummary, TensorSpec } from './types.js';

function spec(t: TensorSpec): string {
  return `${t.name}  ${t.elemType}  [${t.dims.join(', ')}]`;
}

/** '8×8' for feature maps, '1+4×4' (prefix + grid) or the token count for tokens, '-' for vectors. */
export function layerSize(layer: LayerInfo): string {
  if (layer.spatial) return `${layer.spatial[0]}×${layer.spatial[1]}`;
  const tokens = layer.tokens;
  if (tokens) {
    if (!tokens.grid) return String(tokens.count);
    const grid = `${tokens.grid[0]}×${tokens.grid[1]}`;
    return tokens.prefix > 0 ? `${tokens.prefix}+${grid}` : grid;
  }
  return '-';
}

export function formatCatalogue(summary: ModelSummary): string {
  const lines: string[] = [];
  lines.push(`input    ${spec(summary.input)}`);
  summary.outputs.forEach((o, i) => lines.push(`${i === 0 ? 'outputs' : '       '}  ${spec(o)}`));
  lines.push(`classes  ${summary.numClasses ?? '-'}`);
  const defaults = summary.layers.filter((l) => l.isDefault).length;
  lines.push(`layers   ${summary.layers.length} (${defaults} default, marked *)`);
  lines.push('');
  const header = ['id', 'kind', 'channels', 'size', 'op', 'tensor'];
  // Channels-last maps say so: their channel is the last axis when read from the tensor.
  const rows = summary.layers.map((l) => [l.id, l.layout === 'NHWC' ? `${l.kind} NHWC` : l.kind, String(l.channels), layerSize(l), l.op, l.tensor]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const render = (cells: string[], mark: string) =>
    `${mark}  ${cells.map((cell, c) => (c === 2 ? cell.padStart(widths[c]!) : c === cells.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ')}`;
  lines.push(render(header, ' '));
  summary.layers.forEach((l, i) => lines.push(render(rows[i]!, l.isDefault ? '*' : ' ')));
  if (summary.notes.length > 0) lines.push('');
  for (const note of summary.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}

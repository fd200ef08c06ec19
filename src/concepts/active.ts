/**
 * Which neurons are "active" on which image, stored as posting lists (per neuron, the sorted image
 * indices where it is active) plus per-image lists. Two rules:
 *  - 'top-frac' (default, 0.1): per image, the ⌈f·C⌉ neurons with the highest activation
 *    (ties → lower channel index), i.e. the top 10 % of the layer for that image;
 *  - 'quantile' (e.g. 0.9): a neuron is active on an image when its activation is above its own
 *    q-quantile over the dataset (numpy 'linear' quantile).
 */
import { quantileLinear } from '../record/stats.js';

export type ActiveRule = { kind: 'top-frac'; fraction: number } | { kind: 'quantile'; q: number };

export interface ActiveSets {
  images: number;
  channels: number;
  /** postings[c] = ascending image indices where neuron c is active. */
  postings: Int32Array[];
  /** byImage[i] = ascending channels active on image i. */
  byImage: Int32Array[];
}

export function activeSets(matrix: Float32Array, images: number, channels: number, rule: ActiveRule): ActiveSets {
  const byImage: Int32Array[] = [];
  if (rule.kind === 'top-frac') {
    const k = Math.min(channels, Math.max(1, Math.ceil(rule.fraction * channels - 1e-9)));
    const order = new Int32Array(channels);
    for (let i = 0; i < images; i++) {
      const off = i * channels;
      for (let c = 0; c < channels; c++) order[c] = c;
      const sorted = Array.from(order).sort((a, b) => matrix[off + b]! - matrix[off + a]! || a - b);
      byImage.push(Int32Array.from(sorted.slice(0, k)).sort());
    }
  } else {
    const thresholds = new Float64Array(channels);
    const column = new Float64Array(images);
    for (let c = 0; c < channels; c++) {
      for (let i = 0; i < images; i++) column[i] = matrix[i * channels + c]!;
      column.sort();
      thresholds[c] = quantileLinear(column, images, rule.q);
    }
    for (let i = 0; i < images; i++) {
      const list: number[] = [];
      for (let c = 0; c < channels; c++) if (matrix[i * channels + c]! > thresholds[c]!) list.push(c);
      byImage.push(Int32Array.from(list));
    }
  }
  const counts = new Int32Array(channels);
  for (const list of byImage) for (const c of list) counts[c]!++;
  const postings = Array.from(counts, (n) => new Int32Array(n));
  const fill = new Int32Array(channels);
  byImage.forEach((list, i) => {
    for (const c of list) postings[c]![fill[c]!++] = i;
  });
  return { images, channels, postings, byImage };
}

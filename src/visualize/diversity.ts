/**
 * The diversity term of feature visualisation (Olah et al. 2017, "Feature Visualization"): k
 * images of one neuron are optimised together and the objective loses λ × the mean pairwise cosine
 * similarity of their Gram matrices at the target layer, so the k images are pushed towards
 * different styles (facets) of what drives the neuron. Row i's Gram is G_i = A_i A_iᵀ / P with A_i
 * the layer's channels × positions (a token layer's tokens are its positions).
 */

/** A batch row's activations as a channels × positions matrix, row-major, in float64. */
export interface LayerMatrix {
  channels: number;
  positions: number;
  data: Float64Array;
}

/** Whether a target tensor of these dims holds channels last, as the seeds of ../attribution/gradients.ts read it. */
function channelsLast(dims: readonly number[], layout: string | undefined): boolean {
  return dims.length === 3 || (dims.length === 4 && layout === 'NHWC');
}

/** Row `r` of a [rows, …] layer tensor as a channels × positions matrix. */
export function rowMatrix(data: Float32Array, dims: readonly number[], layout: string | undefined, r: number): LayerMatrix {
  const per = dims.slice(1).reduce((a, b) => a * b, 1);
  const last = channelsLast(dims, layout);
  const channels = last ? dims.at(-1)! : dims[1]!;
  const positions = per / channels;
  const out = new Float64Array(per);
  for (let c = 0; c < channels; c++) {
    for (let p = 0; p < positions; p++) out[c * positions + p] = data[r * per + (last ? p * channels + c : c * positions + p)]!;
  }
  return { channels, positions, data: out };
}

/** Adds `scale` × a channels × positions matrix into row `r` of a [rows, …] layer tensor (rowMatrix's transpose). */
export function addToRow(target: Float32Array, dims: readonly number[], layout: string | undefined, r: number, m: LayerMatrix, scale: number): void {
  const per = m.channels * m.positions;
  const last = channelsLast(dims, layout);
  for (let c = 0; c < m.channels; c++) {
    for (let p = 0; p < m.positions; p++) target[r * per + (last ? p * m.channels + c : c * m.positions + p)]! += scale * m.data[c * m.positions + p]!;
  }
}

/** G = A Aᵀ / P, channels × channels, row-major. */
export function gram(a: LayerMatrix): Float64Array {
  const { channels: C, positions: P, data } = a;
  const g = new Float64Array(C * C);
  for (let i = 0; i < C; i++) {
    for (let j = i; j < C; j++) {
      let s = 0;
      for (let p = 0; p < P; p++) s += data[i * P + p]! * data[j * P + p]!;
      g[i * C + j] = s / P;
      g[j * C + i] = s / P;
    }
  }
  return g;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * The mean pairwise cosine similarity of the group's Grams, and its gradient with respect to each
 * member's activations. A member whose Gram is all zero (its layer silent) has no direction: its
 * pairs count as cosine 0 and it gets no gradient. A group of one has loss 0.
 */
export function diversityLoss(group: readonly LayerMatrix[]): { loss: number; grads: LayerMatrix[] } {
  const k = group.length;
  const grams = group.map(gram);
  const norms = grams.map((g) => Math.sqrt(dot(g, g)));
  const dG = grams.map((g) => new Float64Array(g.length));
  const pairs = (k * (k - 1)) / 2;
  let loss = 0;
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      const ni = norms[i]!;
      const nj = norms[j]!;
      if (ni === 0 || nj === 0) continue;
      const cos = dot(grams[i]!, grams[j]!) / (ni * nj);
      loss += cos / pairs;
      // d cos / dG_i = G_j / (|G_i||G_j|) − cos·G_i/|G_i|², and symmetrically for G_j.
      for (const [a, b, na, nb] of [[i, j, ni, nj], [j, i, nj, ni]] as const) {
        const out = dG[a]!;
        const ga = grams[a]!;
        const gb = grams[b]!;
        for (let e = 0; e < out.length; e++) out[e]! += (gb[e]! / (na * nb) - (cos * ga[e]!) / (na * na)) / pairs;
      }
    }
  }
  // G = A Aᵀ / P gives dL/dA = (S + Sᵀ) A / P with S = dL/dG; S is symmetric here, so 2 S A / P.
  const grads = group.map((a, m) => {
    const { channels: C, positions: P } = a;
    const s = dG[m]!;
    const out = new Float64Array(C * P);
    for (let c = 0; c < C; c++) {
      for (let d = 0; d < C; d++) {
        const w = (2 * s[c * C + d]!) / P;
        if (w === 0) continue;
        for (let p = 0; p < P; p++) out[c * P + p]! += w * a.data[d * P + p]!;
      }
    }
    return { channels: C, positions: P, data: out };
  });
  return { loss, grads };
}

/** The default λ; see the README's "neurolens visualize" for how it was chosen. */
export const DIVERSITY_WEIGHT = 3;

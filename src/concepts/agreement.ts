/**
 * How well a clustering matches known labels: adjusted Rand index (Hubert & Arabie; 1 = identical
 * partitions, ≈ 0 = chance) and purity (share of images whose cluster's majority label is theirs).
 */
function contingency(predicted: ArrayLike<number>, truth: ArrayLike<string | number>): { table: Map<string, number>; rows: Map<number, number>; cols: Map<string, number> } {
  const table = new Map<string, number>();
  const rows = new Map<number, number>();
  const cols = new Map<string, number>();
  for (let i = 0; i < predicted.length; i++) {
    const p = predicted[i]!;
    const t = String(truth[i]);
    const key = `${p}\u0000${t}`;
    table.set(key, (table.get(key) ?? 0) + 1);
    rows.set(p, (rows.get(p) ?? 0) + 1);
    cols.set(t, (cols.get(t) ?? 0) + 1);
  }
  return { table, rows, cols };
}

const pairs = (n: number) => (n * (n - 1)) / 2;

export function adjustedRandIndex(predicted: ArrayLike<number>, truth: ArrayLike<string | number>): number {
  const n = predicted.length;
  if (n !== truth.length) throw new Error('adjustedRandIndex: lengths differ');
  const { table, rows, cols } = contingency(predicted, truth);
  let index = 0;
  for (const v of table.values()) index += pairs(v);
  let a = 0;
  for (const v of rows.values()) a += pairs(v);
  let b = 0;
  for (const v of cols.values()) b += pairs(v);
  const expected = (a * b) / pairs(n);
  const max = (a + b) / 2;
  return max === expected ? 1 : (index - expected) / (max - expected);
}

export function purity(predicted: ArrayLike<number>, truth: ArrayLike<string | number>): number {
  const { table } = contingency(predicted, truth);
  const best = new Map<number, number>();
  for (const [key, count] of table) {
    const p = Number(key.split('\u0000')[0]);
    best.set(p, Math.max(best.get(p) ?? 0, count));
  }
  let sum = 0;
  for (const v of best.values()) sum += v;
  return sum / predicted.length;
}

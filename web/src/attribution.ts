// Reading attribution folders for the grid: which overlay PNG shows which image × method.
import type { AttributionFile } from './contract.js';

export interface GridRow {
  image: string;
  index?: number;
  cells: Record<string, string | undefined>;
}

const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/**
 * Rows = images, one overlay per method. attribution.json's entries (one per image × method) name
 * the overlays. Without it (an evaluation-only folder), PNGs named STEM.METHOD.png are grouped by STEM.
 */
export function attributionGrid(methods: string[], pngs: string[], attribution: AttributionFile | null): GridRow[] {
  const byBase = new Map(pngs.map((p) => [base(p), p]));
  const list = attribution?.entries;
  // Checked as read: the file is shown as stored, and may come from an older version.
  if (Array.isArray(list) && list.every((raw) => typeof raw.method === 'string' && typeof raw.name === 'string')) {
    const rows = new Map<string, GridRow>();
    for (const raw of list) {
      if (!methods.includes(raw.method)) continue;
      if (!rows.has(raw.name)) rows.set(raw.name, { image: (raw.path ?? raw.name).replace(/^(\.\.\/)+/, ''), cells: {} });
      const png = raw.files?.png;
      if (png) rows.get(raw.name)!.cells[raw.method] = byBase.get(base(png));
    }
    return [...rows.values()];
  }
  const rows = new Map<string, GridRow>();
  for (const p of pngs) {
    const name = base(p);
    for (const m of methods) {
      const suffix = `.${m}.png`;
      if (!name.endsWith(suffix) || name.startsWith('curves.')) continue;
      const stem = name.slice(0, -suffix.length);
      if (!rows.has(stem)) rows.set(stem, { image: stem, cells: {} });
      rows.get(stem)!.cells[m] = p;
    }
  }
  return [...rows.values()];
}

/** The evaluation chart of a method written by the eval (curves.METHOD.png), if present. */
export function curvesPng(method: string, pngs: string[]): string | undefined {
  return pngs.find((p) => base(p) === `curves.${method}.png`);
}

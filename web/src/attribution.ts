// Reading attribution folders for the grid: which overlay PNG shows which image × method.
export interface GridRow {
  image: string;
  index?: number;
  cells: Record<string, string | undefined>;
}

const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/**
 * Rows = images, one overlay per method. attribution.json (`entries | images: [{ image | path,
 * maps | files: { METHOD: FILE } }]`) names the maps; an overlay is the map's file with a .png
 * extension. Without it, PNGs named STEM.METHOD.png are grouped by STEM.
 */
export function attributionGrid(methods: string[], pngs: string[], attribution: Record<string, unknown> | null): GridRow[] {
  const byBase = new Map(pngs.map((p) => [base(p), p]));
  const list = attribution ? (attribution.entries ?? attribution.images) : undefined;
  // `neurolens attribute` writes one entry per image × method: {name, path, method, files: {npy, png}}.
  if (Array.isArray(list) && list.every((raw: Record<string, unknown>) => typeof raw.method === 'string' && typeof raw.name === 'string')) {
    const rows = new Map<string, GridRow>();
    for (const raw of list as { name: string; path?: string; method: string; files?: { png?: string } }[]) {
      if (!methods.includes(raw.method)) continue;
      if (!rows.has(raw.name)) rows.set(raw.name, { image: (raw.path ?? raw.name).replace(/^(\.\.\/)+/, ''), cells: {} });
      const png = raw.files?.png;
      if (png) rows.get(raw.name)!.cells[raw.method] = byBase.get(base(png));
    }
    return [...rows.values()];
  }
  if (Array.isArray(list)) {
    return list.map((raw: Record<string, unknown>) => {
      const image = String(raw.image ?? raw.path ?? '');
      const files = (raw.overlays ?? raw.maps ?? raw.files ?? {}) as Record<string, unknown>;
      const cells: Record<string, string | undefined> = {};
      for (const m of methods) {
        const f = files[m];
        if (typeof f !== 'string') continue;
        const png = f.toLowerCase().endsWith('.png') ? f : f.replace(/\.[^./]+$/, '') + '.png';
        cells[m] = byBase.get(base(png));
      }
      return { image, index: typeof raw.index === 'number' ? raw.index : undefined, cells };
    });
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

/**
 * The seed talk's pixel-flipping table on the demo models: per gradient method and model, the
 * normalised area under the LeRF curve (least relevant first removed; higher is better) and under
 * the MoRF curve (most relevant first; lower is better), with the random map's row for reference.
 * A method whose MoRF area is not below the random map's is marked: on that model its map ranks
 * pixels no better than chance, whatever its LeRF. Beside MoRF, the MoRF area of random maps as
 * smooth as the method's (the smoothness-matched baseline of `attribute eval`): scattered random
 * units break every shape at once, so a smooth map is best judged against smooth random maps.
 */
import type { DemoAttribution } from './attribution-stage.js';
import { SEED_METHODS } from './attribution-stage.js';

/** How the table names the methods (the talk's abbreviations). */
const LABELS: Record<string, string> = {
  'grad-x-input': 'Grad×Input',
  'guided-backprop': 'Guided Backprop',
  'integrated-gradients': 'Integrated Gradients',
  fullgrad: 'FullGrad',
  'guided-ig': 'Guided IG',
  dga: 'DGA',
};

export interface SeedTableRun {
  name: string;
  attribution?: DemoAttribution;
}

/** The table as text lines (fixed-width columns), or no lines when no run has an attribution stage. */
export function formatSeedTable(runs: readonly SeedTableRun[]): string[] {
  const models = runs.filter((r) => r.attribution);
  if (models.length === 0) return [];
  const num = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(3)).padStart(6);
  const pair = (lerf: string, morf: string, flag: string, smooth: string) => `${lerf.padStart(6)}   ${morf.padStart(6)}${flag}  ${smooth.padStart(7)}`;
  const widths = models.map((m) => Math.max(26, m.name.length));
  const row = (first: string, cells: string[]) => [first.padEnd(22), ...cells.map((c, i) => c.padEnd(widths[i]!))].join('  ').trimEnd();
  const lines = [
    `pixel flipping on ${models.map((m) => `${m.name} (${m.attribution!.images} images)`).join(', ')}: normalised AUCs in the seed talk's layout; ✗ = MoRF not below the random map's; smooth = MoRF of random maps as smooth as the method's`,
    row('', models.map((m) => m.name)),
    row('method', models.map(() => pair('LeRF ↑', 'MoRF ↓', '  ', 'smooth'))),
  ];
  for (const method of SEED_METHODS) {
    const cells = models.map((m) => {
      const r = m.attribution!.methods.find((x) => x.method === method);
      const worse = r !== undefined && !(r.morf < r.randomMorf);
      return pair(num(r?.lerf), num(r?.morf), worse ? ' ✗' : '  ', num(r?.smoothRandomMorf));
    });
    lines.push(row(LABELS[method] ?? method, cells));
  }
  // A random map's LeRF order is its MoRF order reversed: the same expected area.
  lines.push(row('random map', models.map((m) => pair(num(m.attribution!.methods[0]?.randomMorf), num(m.attribution!.methods[0]?.randomMorf), '  ', ''))));
  return lines;
}

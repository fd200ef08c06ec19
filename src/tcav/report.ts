/** The human side of a TCAV result: a summary table (the CLI prints it) and the Markdown report. */
import type { TcavFile } from './types.js';

const fixed = (x: number, digits = 2) => x.toFixed(digits);
const pValue = (p: number) => (p < 1e-4 ? p.toExponential(1) : p.toFixed(4));

/** Rows of the summary table: header first, one row per concept, then the random CAVs. */
export function summaryRows(tcav: TcavFile): string[][] {
  const rows = [['concept', 'images', 'TCAV', '± std', 'p', 'p (Bonferroni)', 'significant']];
  for (const c of tcav.concepts) rows.push([c.name, String(c.images), fixed(c.mean), fixed(c.std), pValue(c.p), pValue(c.pAdjusted), c.significant ? 'yes' : 'not significant']);
  rows.push(['(random)', String(tcav.settings.randomSetSize), fixed(tcav.random.mean), fixed(tcav.random.std), '', '', '']);
  return rows;
}

/** The summary as aligned plain-text columns. */
export function summaryTable(tcav: TcavFile): string {
  const rows = summaryRows(tcav);
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  return rows.map((r) => r.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join('  ').trimEnd()).join('\n');
}

const escapeCell = (s: string) => s.replace(/\|/g, '\\|');

/** What the class and layer are, in words. */
export function tcavTitle(tcav: TcavFile): string {
  const cls = tcav.class.name === null ? `class ${tcav.class.index}` : `class ${tcav.class.index} (${tcav.class.name})`;
  return `TCAV — ${cls} at layer ${tcav.layer.id}`;
}

/** The Markdown report written next to the JSON. */
export function renderTcavMarkdown(tcav: TcavFile, subtitle: string): string {
  const rows = summaryRows(tcav);
  const s = tcav.settings;
  const lines = [
    `# ${tcavTitle(tcav)}`,
    '',
    `${subtitle}. Scores over the ${tcav.class.images} image(s) the model predicts as the class; ${s.random} CAVs per concept, each against its own random counter-example set of ${s.randomSetSize} images; the null distribution is ${s.random} random-set-vs-random-set CAVs (seed ${s.seed}).`,
    '',
    `| ${rows[0]!.join(' | ')} |`,
    `|${rows[0]!.map((_, j) => (j === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.slice(1).map((r) => `| ${r.map(escapeCell).join(' | ')} |`),
    '',
    `A concept is significant when its Bonferroni-adjusted p (p × ${tcav.concepts.length} concept(s)) is below ${s.alpha}.`,
    '',
    '## Definitions',
    '',
    `- **CAV**: ${s.definitions.cav}.`,
    `- **Directional derivative**: ${s.definitions.derivative}.`,
    `- **TCAV score**: ${s.definitions.score}.`,
    `- **Test**: ${s.definitions.test}.`,
    '',
  ];
  return lines.join('\n');
}

/**
 * Aggregates over images (mean ± sample sd per method), the rounding of everything written into
 * eval.json, and the Markdown / terminal summary table.
 */
import { attributionEvalMessages as msg } from '../../messages/attribution-eval.js';
import type { AttributionMethod } from '../types.js';
import { gridsText, methodChecks } from './checks.js';
import { round6, roundAll, roundCurve } from './curves.js';
import { stat } from './spearman.js';
import { CURVE_KINDS, type CurveArea, type CurveKind, type EvalResult, type ImageEvaluation, type MapEvaluation, type MethodAggregate, type MethodChecks, type Stat } from './types.js';

/** Mean random-map curves of one image × method (kept for the aggregate chart, not written per image). */
export type RandomCurves = Partial<Record<CurveKind, number[]>>;

const asCurves = (c: RandomCurves): Partial<Record<CurveKind, { y: number[] }>> => Object.fromEntries(Object.entries(c).map(([k, y]) => [k, { y }]));

function meanCurve(curves: readonly number[][]): number[] {
  if (curves.length === 0) return [];
  return curves[0]!.map((_, k) => curves.reduce((s, c) => s + c[k]!, 0) / curves.length);
}

/** Mean of the curves (by kind) of several maps; used for the random maps of one image. */
export function meanCurves(maps: readonly Partial<Record<CurveKind, { y: number[] }>>[]): RandomCurves {
  const out: RandomCurves = {};
  for (const kind of CURVE_KINDS) {
    const ys = maps.map((m) => m[kind]?.y).filter((y): y is number[] => y !== undefined);
    if (ys.length > 0) out[kind] = meanCurve(ys);
  }
  return out;
}

/** Mean areas of several maps, by kind. */
export function meanAreas(maps: readonly Partial<Record<CurveKind, CurveArea>>[]): Partial<Record<CurveKind, CurveArea>> {
  const out: Partial<Record<CurveKind, CurveArea>> = {};
  for (const kind of CURVE_KINDS) {
    const areas = maps.map((m) => m[kind]).filter((a): a is CurveArea => a !== undefined);
    if (areas.length === 0) continue;
    out[kind] = { auc: areas.reduce((s, a) => s + a.auc, 0) / areas.length, rawAuc: areas.reduce((s, a) => s + a.rawAuc, 0) / areas.length };
  }
  return out;
}

function byKind(evals: readonly MapEvaluation[], pick: (e: MapEvaluation, k: CurveKind) => number | undefined): Partial<Record<CurveKind, Stat>> {
  const out: Partial<Record<CurveKind, Stat>> = {};
  for (const kind of CURVE_KINDS) {
    const values = evals.map((e) => pick(e, kind)).filter((v): v is number => v !== undefined);
    if (values.length > 0) out[kind] = stat(values);
  }
  return out;
}

/**
 * Aggregate of one method over its per-image evaluations (unrounded inputs). `randomCurves` and
 * `smoothCurves` hold each image's mean curves of its scattered and of its smoothness-matched random
 * maps (undefined where the image's map had no smooth baseline).
 */
export function aggregateMethod(evals: readonly MapEvaluation[], randomCurves: readonly RandomCurves[], smoothCurves: readonly (RandomCurves | undefined)[] = []): MethodAggregate {
  const aggregate: MethodAggregate = {
    auc: byKind(evals, (e, k) => e.areas[k]?.auc),
    rawAuc: byKind(evals, (e, k) => e.areas[k]?.rawAuc),
    meanCurves: meanCurves(evals.map((e) => e.curves)),
  };
  const abpc = evals.map((e) => e.abpc).filter((v): v is number => v !== undefined);
  if (abpc.length > 0) aggregate.abpc = stat(abpc);
  if (evals.some((e) => e.random)) {
    aggregate.random = byKind(evals, (e, k) => e.random?.[k]?.auc);
    aggregate.randomMeanCurves = meanCurves(randomCurves.map(asCurves));
  }
  if (evals.some((e) => e.smoothRandom)) {
    aggregate.smoothRandom = byKind(evals, (e, k) => e.smoothRandom?.areas[k]?.auc);
    const grids: Record<string, number> = {};
    for (const e of evals) if (e.smoothRandom) grids[String(e.smoothRandom.grid)] = (grids[String(e.smoothRandom.grid)] ?? 0) + 1;
    aggregate.smoothGrids = grids;
    aggregate.autocorrelation = stat(evals.flatMap((e) => (e.smoothRandom ? [e.smoothRandom.autocorrelation] : [])));
    const smooth = smoothCurves.filter((c): c is RandomCurves => c !== undefined);
    if (smooth.length > 0) aggregate.smoothRandomMeanCurves = meanCurves(smooth.map(asCurves));
  }
  const sanity = evals.map((e) => e.sanity ?? []);
  if (sanity.some((s) => s.length > 0)) {
    aggregate.sanity = sanity[0]!.map((step, i) => ({
      step: step.step,
      layers: step.layers,
      spearman: stat(sanity.map((s) => s[i]!.spearman)),
      spearmanAbs: stat(sanity.map((s) => s[i]!.spearmanAbs)),
      pearsonAbs: stat(sanity.map((s) => s[i]!.pearsonAbs)),
    }));
  }
  const checks = methodChecks(aggregate);
  if (checks) aggregate.checks = checks;
  return aggregate;
}

const roundStat = (s: Stat): Stat => ({ mean: round6(s.mean), std: s.std === null ? null : round6(s.std), n: s.n });

function roundRecord<T, U>(record: Partial<Record<CurveKind, T>> | undefined, f: (v: T) => U): Partial<Record<CurveKind, U>> {
  const out: Partial<Record<CurveKind, U>> = {};
  for (const kind of CURVE_KINDS) if (record?.[kind] !== undefined) out[kind] = f(record[kind]!);
  return out;
}

const roundArea = (a: CurveArea): CurveArea => ({ auc: round6(a.auc), rawAuc: round6(a.rawAuc) });

export function roundEvaluation(e: MapEvaluation): MapEvaluation {
  const out: MapEvaluation = { curves: roundRecord(e.curves, roundCurve), areas: roundRecord(e.areas, roundArea) };
  if (e.abpc !== undefined) out.abpc = round6(e.abpc);
  if (e.random) out.random = roundRecord(e.random, roundArea);
  if (e.smoothRandom) out.smoothRandom = { grid: e.smoothRandom.grid, autocorrelation: round6(e.smoothRandom.autocorrelation), areas: roundRecord(e.smoothRandom.areas, roundArea) };
  if (e.sanity) out.sanity = e.sanity.map((s) => ({ ...s, spearman: round6(s.spearman), spearmanAbs: round6(s.spearmanAbs), pearsonAbs: round6(s.pearsonAbs) }));
  return out;
}

export function roundImage(image: ImageEvaluation): ImageEvaluation {
  const methods: ImageEvaluation['methods'] = {};
  for (const [method, e] of Object.entries(image.methods) as [AttributionMethod, MapEvaluation][]) methods[method] = roundEvaluation(e);
  const normalisation = roundRecord(image.normalisation, (n) => ({ rule: n.rule, offset: round6(n.offset), scale: round6(n.scale) }));
  return { ...image, clean: round6(image.clean), normalisation, methods };
}

export function roundAggregate(a: MethodAggregate): MethodAggregate {
  const out: MethodAggregate = {
    auc: roundRecord(a.auc, roundStat),
    rawAuc: roundRecord(a.rawAuc, roundStat),
    meanCurves: roundRecord(a.meanCurves, roundAll),
  };
  if (a.abpc) out.abpc = roundStat(a.abpc);
  if (a.random) out.random = roundRecord(a.random, roundStat);
  if (a.randomMeanCurves) out.randomMeanCurves = roundRecord(a.randomMeanCurves, roundAll);
  if (a.sanity) out.sanity = a.sanity.map((s) => ({ ...s, spearman: roundStat(s.spearman), spearmanAbs: roundStat(s.spearmanAbs), pearsonAbs: roundStat(s.pearsonAbs) }));
  if (a.smoothRandom) out.smoothRandom = roundRecord(a.smoothRandom, roundStat);
  if (a.smoothRandomMeanCurves) out.smoothRandomMeanCurves = roundRecord(a.smoothRandomMeanCurves, roundAll);
  if (a.smoothGrids) out.smoothGrids = a.smoothGrids;
  if (a.autocorrelation) out.autocorrelation = roundStat(a.autocorrelation);
  if (a.checks) out.checks = roundChecks(a.checks);
  return out;
}

function roundChecks(c: MethodChecks): MethodChecks {
  const out: MethodChecks = { ...c };
  for (const kind of ['morf', 'deletion'] as const) {
    const r = c[kind];
    if (!r) continue;
    out[kind] = { ...r, auc: round6(r.auc), random: round6(r.random), ...(r.smoothRandom === undefined ? {} : { smoothRandom: round6(r.smoothRandom) }) };
  }
  return out;
}

const fmt = (s: Stat | undefined) => (s === undefined ? '–' : s.std === null ? s.mean.toFixed(3) : `${s.mean.toFixed(3)} ± ${s.std.toFixed(3)}`);

/** The check column: ✗ and the flag's words for a failing method, ✓ for a passing one, – without random maps. */
function checkCell(a: MethodAggregate): string {
  if (!a.checks) return '–';
  return a.checks.lessFaithfulThanRandom ? `✗ ${msg.lessFaithful}` : '✓';
}

/** The summary table (Markdown; also what the CLI prints). */
export function formatSummary(result: EvalResult): string {
  const lines = [
    '| method | MoRF AUC ↓ | LeRF AUC ↑ | ABPC ↑ | deletion AUC ↓ | insertion AUC ↑ | random-order AUC | smooth random AUC (grid) | check vs random | sanity ρ (last step) ↓ |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  const randomCell = (r: Partial<Record<CurveKind, Stat>> | undefined) =>
    (['morf', 'deletion', 'insertion'] as const)
      .filter((k) => r?.[k])
      .map((k) => `${k} ${r![k]!.mean.toFixed(3)}`)
      .join(', ') || '–';
  for (const method of result.methods) {
    const a = result.aggregate[method];
    if (!a) continue;
    const smooth = a.smoothRandom ? `${randomCell(a.smoothRandom)} (${gridsText(a.smoothGrids)})` : '–';
    const last = a.sanity?.[a.sanity.length - 1];
    lines.push(`| ${method} | ${fmt(a.auc.morf)} | ${fmt(a.auc.lerf)} | ${fmt(a.abpc)} | ${fmt(a.auc.deletion)} | ${fmt(a.auc.insertion)} | ${randomCell(a.random)} | ${smooth} | ${checkCell(a)} | ${last ? `${fmt(last.spearman)} (${last.step} layers)` : '–'} |`);
  }
  return `${lines.join('\n')}\n`;
}

/** The checks in words: each failing method with its reason, then the passing ones. */
export function formatChecks(result: EvalResult): string[] {
  const out: string[] = [];
  for (const method of result.methods) {
    const c = result.aggregate[method]?.checks;
    if (!c) continue;
    if (c.lessFaithfulThanRandom) out.push(`- ✗ **${method}**: ${msg.lessFaithful} — ${c.reason ?? ''}`);
    else out.push(`- ✓ ${method}: ${msg.checkPassed((['morf', 'deletion'] as const).filter((k) => c[k]).map((k) => (k === 'morf' ? 'MoRF' : 'deletion')).join(' and '))}`);
  }
  return out;
}

/** eval.md: the table plus the protocol in words. */
export function formatMarkdown(result: EvalResult, charts: readonly string[]): string {
  const protocol = result.protocol as { text?: readonly string[] };
  const parts = [
    `# Attribution evaluation — ${result.model.file}`,
    '',
    `${result.images.length} image(s); methods ${result.methods.join(', ')}. Areas are of the normalised curves over x = k/S ∈ [0, 1] (mean ± sample sd over images).`,
    '',
    formatSummary(result),
    ...(result.methods.some((m) => result.aggregate[m]?.checks) ? ['## Checks against random maps', '', ...formatChecks(result), ''] : []),
    ...charts.map((c) => `![${c}](${c})\n`),
    '## Protocol',
    '',
    ...(protocol.text ?? []).map((t) => `- ${t}`),
    '',
  ];
  return parts.join('\n');
}

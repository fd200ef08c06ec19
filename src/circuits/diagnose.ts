/**
 * Circuit diagnosis (issue 5): "why did the model say soccer ball for this dog?" For one query,
 * each circuit is inhibited (its neurons zeroed) and stimulated (its neurons multiplied by a factor,
 * default 2) at every position of their layers, and the logits of the predicted class and of a
 * target class are compared with the unablated model. Factors compound along a circuit: a doubled
 * source feeds a target that is doubled again. All rows (original, one inhibited and one
 * stimulated row per circuit) run as rows of batches through one instrumented model.
 *
 * Ranking: by how much inhibiting the circuit shrinks the margin predicted − target,
 *   marginDrop = (pred₀ − target₀) − (pred_inhibited − target_inhibited),
 * descending (ties: circuit order). A circuit at the top is the one that most pushes the model to
 * the predicted class rather than the target. When the target is the predicted class the margin is
 * always 0, so the ranking uses the predicted logit's drop pred₀ − pred_inhibited instead.
 *
 * A circuit "narrows" the margin only when its measured marginDrop is positive; the verdict names
 * the circuit that narrows it most, or says plainly that none does (inhibiting a circuit can
 * raise the predicted logit: a diagnosis must not present such a circuit as the cause).
 */
import { mkdir } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { NeurolensError } from '../errors.js';
import { circuitMessages } from '../messages/circuits.js';
import { stableJson, writeFileAtomic } from '../store/atomic.js';
import { openRunAblation, type MaskRow, type QueryRef } from '../maps/ablate.js';
import { layerPosition, resolveEnd } from './common.js';
import { defaultFinder, type FinderFactory, type FinderLike } from './eval.js';
import type { AblationMode, CircuitsDiagnosisFile, DiagnosedCircuit } from './formats.js';
import type { CircuitSummary } from './discover.js';
import type { NeuronRef } from './types.js';
import { CIRCUITS_DEFAULTS } from './defaults.js';
import type { SupportGate } from './support.js';

export interface DiagnoseOptions {
  /** A finished run folder (recorded with top10 pooling). */
  run: string;
  /** The query: an image of the run by index, or an image file. */
  query: QueryRef;
  /** Target class: index or class name. Default: the runner-up class of the unablated model. */
  target?: number | string;
  /** Factor the stimulated circuit's neurons are multiplied by. Default 2. */
  stimulate?: number;
  /** How inhibited neurons are removed: `zero` (×0) or `mean` (their dataset mean from the run). Default `zero`. */
  ablation?: AblationMode;
  /** Percentile of the circuit discovery's sensitivity cut. Default 90. */
  percentile?: number;
  /** Rows per model run. Default 32. */
  batch?: number;
  /** onnxruntime intra-op threads. */
  threads?: number;
  /** Execution provider of every session this opens: 'cpu' (default) or 'cuda' (see SessionOptions). */
  executionProvider?: 'cpu' | 'cuda';
  /** Analysis layers for discovery. */
  layers?: string[];
  /** The discovery's support gate (support.ts). Default 'tokens'. */
  support?: SupportGate;
  /** Where to write the result. Default RUN/circuits/QUERY.diagnosis.json. */
  out?: string;
  /** Finder factory (tests pass a fake). Default: discover.ts' CircuitFinder. */
  finder?: FinderFactory;
}

/**
 * The file-name stem of a query, as `neurolens circuits` names its outputs: `img<index>`, or the
 * image's base name without extension made file-name safe.
 */
export function queryStem(query: QueryRef): string {
  if ('index' in query) return `img${query.index}`;
  const stem = basename(query.image, extname(query.image)).replace(/[^A-Za-z0-9._-]/g, '_');
  return stem === '' || stem === '.' || stem === '..' ? 'query' : stem;
}

interface Change {
  predicted: number;
  target: number;
  /** Change of the margin predicted − target (negative: the margin shrank). */
  margin: number;
}

/** Parses a --target value: an index, or a class name of the model card. */
export function resolveClass(target: number | string, classNames: readonly string[] | undefined, classes: number): number {
  const cls = typeof target === 'number' ? target : /^\d+$/.test(target.trim()) ? Number(target.trim()) : classNames?.indexOf(target) ?? -1;
  if (!Number.isInteger(cls) || cls < 0 || cls >= classes) throw new NeurolensError('usage', circuitMessages.badTarget(String(target), classes, classNames));
  return cls;
}

export async function diagnoseQuery(options: DiagnoseOptions): Promise<{ diagnosis: CircuitsDiagnosisFile; path: string }> {
  const { run, query, stimulate = CIRCUITS_DEFAULTS.stimulate, percentile = CIRCUITS_DEFAULTS.percentile, batch = CIRCUITS_DEFAULTS.batch } = options;
  if (!Number.isFinite(stimulate)) throw new NeurolensError('usage', circuitMessages.badFactor(stimulate));
  const mode = options.ablation ?? 'zero';
  const support = options.support ?? CIRCUITS_DEFAULTS.support;
  if (mode !== 'zero' && mode !== 'mean') throw new NeurolensError('usage', circuitMessages.badDiagnoseAblation(String(mode)));
  const ablation = await openRunAblation(run, { batch, withMeans: mode === 'mean', ...(options.threads ? { threads: options.threads } : {}), executionProvider: options.executionProvider });
  let finder: FinderLike | undefined;
  try {
    finder = await (options.finder ?? defaultFinder)(run, { percentile, support, batch, ...(options.threads ? { threads: options.threads } : {}), executionProvider: options.executionProvider, ...(options.layers ? { layers: options.layers } : {}) });
    const result = await finder.find(query);
    const circuits = result.circuits.map((circuit) => ({
      circuit,
      neurons: circuit.nodes.map((n): NeuronRef => ({ layer: result.layers[layerPosition(result.layers, n.layer)]!.id, channel: n.channel })),
    }));
    const rows: MaskRow[] = [{ neurons: [] }, ...circuits.map((c): MaskRow => (mode === 'mean' ? { neurons: c.neurons, mean: true } : { neurons: c.neurons, factor: 0 })), ...circuits.map((c) => ({ neurons: c.neurons, factor: stimulate }))];
    const logits = await ablation.ablator.run(await ablation.loadImage(query), rows);
    const original = logits[0]!;
    const predicted = result.query.predicted[0]!.class;
    let target: number;
    if (options.target !== undefined) target = resolveClass(options.target, ablation.manifest.model.classNames, original.length);
    else {
      target = -1;
      for (let c = 0; c < original.length; c++) if (c !== predicted && (target < 0 || original[c]! > original[target]!)) target = c;
      if (target < 0) target = predicted;
    }
    const change = (row: Float32Array): Change => {
      const p = row[predicted]! - original[predicted]!;
      const t = row[target]! - original[target]!;
      return { predicted: p, target: t, margin: p - t };
    };
    const same = target === predicted;
    const ranked = circuits
      .map(({ circuit, neurons }, i) => {
        const inhibit = change(logits[1 + i]!);
        const stim = change(logits[1 + circuits.length + i]!);
        const root = resolveEnd(circuit.nodes, circuit.root);
        return {
          id: circuit.id,
          root: { layer: result.layers[layerPosition(result.layers, root.layer)]!.id, channel: root.channel },
          neurons: neurons.length,
          ...('summary' in circuit ? { summary: (circuit as { summary?: CircuitSummary }).summary } : {}),
          score: same ? -inhibit.predicted : -inhibit.margin,
          narrows: (same ? -inhibit.predicted : -inhibit.margin) > 0,
          inhibit,
          stimulate: stim,
          order: i,
        };
      })
      .sort((a, b) => b.score - a.score || a.order - b.order)
      .map(({ order: _order, ...rest }, rank) => ({ rank: rank + 1, ...rest }));
    const label = (c: number) => ablation.label(c);
    const diagnosis: CircuitsDiagnosisFile = {
      format: 'neurolens-circuits-diagnosis',
      formatVersion: 1,
      query: { ...('index' in query ? { index: query.index } : {}), image: result.query.image },
      predicted: { class: predicted, ...(label(predicted) !== undefined ? { label: label(predicted) } : {}), logit: original[predicted]! },
      target: { class: target, ...(label(target) !== undefined ? { label: label(target) } : {}), logit: original[target]!, chosen: options.target === undefined ? 'runner-up' : 'given' },
      protocol: {
        inhibit: mode === 'mean'
          ? 'the circuit\'s nodes replaced by their dataset mean (the run\'s mean pooling) at every position of their layers (one intervention per layer, one batch row per circuit)'
          : 'the circuit\'s nodes multiplied by 0 at every position of their layers (one intervention T\' = T ⊙ M per layer, one batch row per circuit)',
        ablation: mode,
        stimulate: `the circuit's nodes multiplied by ${stimulate} at every position (factors compound along the circuit: a stimulated source feeds a stimulated target)`,
        change: 'logit after − logit before (first model output, raw); margin = predicted − target',
        rank: same ? 'target = predicted: by the predicted logit\'s drop when inhibited, descending' : 'by marginDrop = −(change of predicted − target when inhibited), descending; ties by circuit order',
        percentile,
        support,
        stimulateFactor: stimulate,
      },
      circuits: ranked,
      verdict: verdictOf(ranked, same, original[predicted]! - original[target]!),
    };
    const out = options.out ?? join(run, 'circuits', `${queryStem(query)}.diagnosis.json`);
    await mkdir(dirname(out), { recursive: true });
    await writeFileAtomic(out, stableJson(diagnosis));
    return { diagnosis, path: out };
  } finally {
    await Promise.all([finder?.close(), ablation.close()]);
  }
}

/** The conclusion of a diagnosis: the circuit that narrows the margin most, or that none does. */
export function verdictOf(ranked: readonly DiagnosedCircuit[], same: boolean, margin: number): CircuitsDiagnosisFile['verdict'] {
  const narrowing = ranked.filter((c) => c.narrows);
  const best = narrowing[0];
  const measure = same ? 'the predicted logit' : 'the margin predicted − target';
  return {
    measure: same ? 'predicted' : 'margin',
    margin,
    circuits: ranked.length,
    narrowing: narrowing.length,
    best: best ? best.id : null,
    ...(best ? { narrowedBy: best.score, share: margin > 0 && !same ? best.score / margin : null } : {}),
    text: best
      ? circuitMessages.diagnosisNarrows(String(best.id), measure, best.score, same ? null : margin, narrowing.length, ranked.length)
      : circuitMessages.diagnosisNone(measure, ranked.length, same ? null : margin),
  };
}

/** The ranked table the CLI prints (columns sized to their contents). */
export function formatDiagnosis(d: CircuitsDiagnosisFile): string {
  const name = (c: { class: number; label?: string }) => (c.label !== undefined ? `${c.label} (${c.class})` : String(c.class));
  const n = (x: number) => (x >= 0 ? '+' : '') + x.toFixed(3);
  const header = ['rank', 'circuit', 'neurons', 'score', 'inhibit Δpred', 'Δtarget', 'stimulate Δpred', 'Δtarget'];
  const rows = d.circuits.map((c) => [String(c.rank), String(c.id), String(c.neurons), n(c.score), n(c.inhibit.predicted), n(c.inhibit.target), n(c.stimulate.predicted), n(c.stimulate.target)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 1 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  const lines = [
    `query ${d.query.image}: predicted ${name(d.predicted)} logit ${d.predicted.logit.toFixed(3)}, target ${name(d.target)} logit ${d.target.logit.toFixed(3)}`,
    `score = ${d.target.class === d.predicted.class ? 'drop of the predicted logit' : 'drop of the margin predicted − target'} when the circuit is inhibited (${d.protocol.ablation === 'mean' ? 'mean' : '×0'}); stimulate = ×${d.protocol.stimulateFactor}`,
    line(header),
    ...rows.map(line),
  ];
  if (d.circuits.length === 0) lines.push('(no circuits for this query)');
  lines.push(d.verdict.text);
  return `${lines.join('\n')}\n`;
}

/**
 * The demo's circuits stage on one recorded model: circuits for three queries (the first
 * misclassified image, diagnosed against its true class, and the first two correct ones), then the
 * ablation check on 50 sampled queries with the emoji subcategories as true labels.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../store/atomic.js';
import { openRun } from '../run/open.js';
import { writeCircuits } from '../circuits/write.js';
import { diagnoseQuery } from '../circuits/diagnose.js';
import { evaluateCircuits } from '../circuits/eval.js';
import type { EmojiImage } from './emoji.js';

export interface DemoCircuits {
  files: string[];
  queries: number[];
  misclassified?: { index: number; predicted: string; truth: string; diagnosis: string; topCircuit?: string };
  eval: { path: string; queries: number; withCircuits: number; drop: { circuit: number; random: number; outside: number }; circuitBeatsRandom: number };
}

export async function demoCircuits(run: string, images: readonly EmojiImage[], options: { threads?: number; evalQueries: number }): Promise<DemoCircuits> {
  const { manifest, images: rows } = await openRun(run, { activations: false });
  const classNames = manifest.model.classNames ?? [];
  const truthOf = new Map(images.map((i) => [i.path, i.subcategory]));
  const known = rows.filter((r) => classNames.includes(truthOf.get(r.path) ?? ''));
  const wrong = known.find((r) => classNames[r.top5_classes[0]!] !== truthOf.get(r.path));
  const right = known.filter((r) => classNames[r.top5_classes[0]!] === truthOf.get(r.path)).slice(0, wrong ? 2 : 3);
  const queries = [...(wrong ? [wrong] : []), ...right].map((r) => r.index);
  const threads = options.threads === undefined ? {} : { threads: options.threads };
  const { files } = await writeCircuits(run, queries.map((index) => ({ index })), threads);

  let misclassified: DemoCircuits['misclassified'];
  if (wrong) {
    const truth = truthOf.get(wrong.path)!;
    const { diagnosis, path } = await diagnoseQuery({ run, query: { index: wrong.index }, target: truth, ...threads });
    const top = (diagnosis as { circuits?: { id: string }[] }).circuits?.[0]?.id;
    misclassified = { index: wrong.index, predicted: classNames[wrong.top5_classes[0]!]!, truth, diagnosis: path, ...(top ? { topCircuit: top } : {}) };
  }

  // True labels for the check: the subcategory, for images whose subcategory is one of the classes.
  const labels = join(run, 'circuits', 'subcategory-labels.csv');
  await writeFileAtomic(labels, `path,label\n${known.map((r) => `"${r.path}","${truthOf.get(r.path)}"`).join('\n')}\n`);
  const { result, path } = await evaluateCircuits({ run, queries: options.evalQueries, labels, ...threads });
  const s = result.summary.predicted;
  return {
    files,
    queries,
    ...(misclassified ? { misclassified } : {}),
    eval: {
      path,
      queries: result.summary.queries,
      withCircuits: result.summary.withCircuits,
      drop: { circuit: s.drop.circuit.mean, random: s.drop.random.mean, outside: s.drop.outside.mean },
      circuitBeatsRandom: s.circuitBeatsRandom,
    },
  };
}

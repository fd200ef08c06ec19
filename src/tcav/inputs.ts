/**
 * What a TCAV run is about, resolved against the RUN before any model work: the concepts (image
 * sets from the probes' labels), the class (index or model-card name) and its images.
 *
 * The class's images are the run images the model predicts as that class (top-1 of
 * images.parquet): a RUN records no ground-truth labels, and TCAV asks what drives the model's
 * own decision for the class.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NeurolensError } from '../errors.js';
import { tcavMessages } from '../messages/tcav.js';
import { conceptLabels, loadLabelsFile, type ConceptLabels, type LabelSource } from '../probes/labels.js';
import type { ProbeLayer } from '../probes/layer-probes.js';
import { layerFileStem } from '../record/layout.js';
import type { LayerRecord } from '../record/types.js';
import type { OpenRun } from '../run/types.js';

/** One concept as an image set. */
export interface ConceptSet {
  name: string;
  /** Run image indices labelled with it, ascending. */
  images: number[];
}

/** The labels source a `neurolens probe` run recorded for `layer`, if any. */
async function probedSource(run: OpenRun, layer: LayerRecord): Promise<LabelSource | undefined> {
  const file = join(run.dir, 'probes', `${layerFileStem(layer.id)}.json`);
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return ((JSON.parse(text) as ProbeLayer).settings as { labels?: { source?: LabelSource } }).labels?.source;
  } catch {
    return undefined;
  }
}

/** How a labels source is named in messages. */
export function sourceName(source: LabelSource): string {
  if (source.kind === 'file') return source.file;
  return source.kind === 'clusters' ? `clusters:${source.level}` : `keywords:${source.count}`;
}

/** The labels of `labels` (a file) or, without it, of the probes recorded on the layer. */
export async function loadConceptLabels(run: OpenRun, layer: LayerRecord, labels: string | undefined): Promise<ConceptLabels> {
  if (labels !== undefined) return loadLabelsFile(labels, run.images);
  const source = await probedSource(run, layer);
  if (!source) throw new NeurolensError('usage', tcavMessages.noLabels(run.shown));
  if (source.kind === 'file') return loadLabelsFile(source.file, run.images);
  const concepts = source.kind === 'clusters' ? { kind: 'clusters' as const, level: source.level } : { kind: 'keywords' as const, count: source.count };
  return conceptLabels(run.dir, { concepts }, run.manifest, run.images);
}

/** The requested concepts as image sets; unknown names and concepts with too few images are errors. */
export function pickConcepts(labels: ConceptLabels, names: readonly string[], minImages: number): ConceptSet[] {
  if (names.length === 0) throw new NeurolensError('usage', tcavMessages.noConcepts());
  const skipped = new Map(labels.skipped.map((s) => [s.name, s.positives]));
  const unknown = names.filter((n) => !labels.names.includes(n) && !skipped.has(n));
  if (unknown.length > 0) throw new NeurolensError('usage', tcavMessages.unknownConcept(unknown, sourceName(labels.source), [...labels.names, ...skipped.keys()]));
  return [...new Set(names)].map((name) => {
    const c = labels.names.indexOf(name);
    const images: number[] = [];
    if (c >= 0) labels.Y[c]!.forEach((v, i) => v === 1 && images.push(i));
    if (images.length < minImages) throw new NeurolensError('input', tcavMessages.fewConceptImages(name, c >= 0 ? images.length : skipped.get(name)!, minImages));
    return { name, images };
  });
}

/** The class index of `--class` (an index or a model-card class name). */
export function resolveClass(run: OpenRun, value: string | number): { index: number; name: string | null } {
  const classes = run.manifest.model.numClasses;
  if (!classes) throw new NeurolensError('input', tcavMessages.noClasses(run.shown));
  const names = run.manifest.model.classNames;
  const text = String(value).trim();
  let index: number;
  if (/^\d+$/.test(text)) index = Number(text);
  else if (names?.includes(text)) index = names.indexOf(text);
  else throw new NeurolensError('usage', tcavMessages.unknownClassName(text, names));
  if (index >= classes) throw new NeurolensError('usage', tcavMessages.classRange(index, classes));
  return { index, name: names?.[index] ?? null };
}

/** Run images predicted as class `index` (ascending); none is an error listing the predicted classes. */
export function classImages(run: OpenRun, index: number, shown: string): number[] {
  const rows = run.images.filter((r) => r.top5_classes[0] === index).map((r) => r.index);
  if (rows.length === 0) {
    const predicted = [...new Set(run.images.map((r) => r.top5_classes[0]!))].filter((c) => c !== undefined).sort((a, b) => a - b);
    throw new NeurolensError('input', tcavMessages.noClassImages(shown, predicted));
  }
  return rows;
}

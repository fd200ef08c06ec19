/**
 * Concept labels for the probes: which run images show which concept.
 *
 * Three sources:
 * - **A labels file** (`--labels FILE`), one or more concepts per image:
 *   - CSV (RFC 4180) with a header naming a `path` column and a `concept` (or `concepts`, or
 *     `label`) column; an image with several concepts repeats its row or separates them with `;`.
 *   - JSONL, one object per line: `{"path": "...", "concepts": ["a", "b"]}` (`concepts` may also be
 *     one string, `;`-separated; `concept` / `label` are accepted as aliases).
 *   The format is chosen as for captions (extension, else the first character). Paths are relative
 *   to the recorded image root, as in images.parquet, and matched the same way as captions (trim,
 *   `\` → `/`, no leading `./`, NFC). Paths not in the run are a warning; run images the file does
 *   not name are negatives for every concept.
 * - **Caption clusters** (`clusters:LEVEL`): the clusters of one level of a `neurolens concepts` run,
 *   read from `RUN/concepts/<first recorded layer that has one>.json` (the clustering is the same
 *   for every layer). Each cluster is a concept named `<caption> (<id>)`; they are exclusive.
 * - **Caption keywords** (`keywords:N`): the N content words found in the most captions (ties in
 *   code-unit order), from the concepts run's captions file (`settings.captions.file`) or, when
 *   that is gone or the images were captioned by a model, its caption cache. Words come from the
 *   project tokenizer with the English stop words removed; an image has the concept when its caption
 *   contains the word.
 *
 * Concepts with fewer than 2 positive or 2 negative images cannot be probed and are skipped with a
 * warning (`minPositives` raises the bar for positives). `exclusive` is true when at least two
 * concepts are kept and no image has more than one of them: the joint probes then treat the
 * concepts as classes of one softmax, over the images that have one (images with none, e.g. those
 * of skipped concepts, stay negatives of every per-concept probe).
 */
import { access, readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { NeurolensError } from '../errors.js';
import { probeMessages } from '../messages/index.js';
import { layerFileStem } from '../record/layout.js';
import type { RunImageRow } from '../record/read-run.js';
import type { RunManifest } from '../record/types.js';
import type { ConceptLayer } from '../concepts/types.js';
import { CaptionCache } from '../text/cache.js';
import { captionPathKey, detectCaptionsFormat, loadCaptions } from '../text/captions-file.js';
import { parseCsv } from '../text/csv.js';
import { ENGLISH_STOP_WORDS, compareStrings, tokenize } from '../text/tokenize.js';

/** Where concept labels come from. */
export type LabelSource =
  | { kind: 'file'; file: string }
  | { kind: 'clusters'; level: number; file: string }
  | { kind: 'keywords'; count: number; captions: string };

export interface ConceptLabels {
  /** Concept names, in a deterministic order (file: first appearance; clusters: id; keywords: frequency). */
  names: string[];
  /** Per concept, 0/1 per run image (images.parquet order). */
  Y: Uint8Array[];
  /** Every run image has exactly one concept: the concepts are classes of one variable. */
  exclusive: boolean;
  source: LabelSource;
  /** Concepts left out (too few positives or negatives). */
  skipped: { name: string; positives: number; negatives: number }[];
  /** One-line warnings for the CLI. */
  warnings: string[];
}

/** A `--concepts` value. */
export type ConceptsSpec = { kind: 'clusters'; level: number } | { kind: 'keywords'; count: number };

/** Parses `clusters:LEVEL` or `keywords:N`. */
export function parseConceptsSpec(spec: string): ConceptsSpec {
  const match = /^(clusters|keywords):(\d+)$/.exec(spec.trim());
  const n = match ? Number(match[2]) : 0;
  if (!match || !Number.isSafeInteger(n) || n <= 0) throw new NeurolensError('usage', probeMessages.badConceptsSpec(spec));
  return match[1] === 'clusters' ? { kind: 'clusters', level: n } : { kind: 'keywords', count: n };
}

interface Entry {
  path: string;
  concepts: string[];
  line: number;
}

const splitConcepts = (value: string) => value.split(';').map((c) => c.replace(/\s+/gu, ' ').trim()).filter((c) => c.length > 0);

function parseJsonl(text: string, file: string): Entry[] {
  const entries: Entry[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new NeurolensError('input', probeMessages.labelsBadJsonLine(file, i + 1), { cause: err });
    }
    const record = value as Record<string, unknown> | null;
    if (typeof record !== 'object' || record === null || Array.isArray(record) || typeof record.path !== 'string') {
      throw new NeurolensError('input', probeMessages.labelsBadJsonRecord(file, i + 1));
    }
    const given = record.concepts ?? record.concept ?? record.label;
    let concepts: string[];
    if (typeof given === 'string') concepts = splitConcepts(given);
    else if (Array.isArray(given) && given.every((c) => typeof c === 'string')) concepts = (given as string[]).flatMap(splitConcepts);
    else throw new NeurolensError('input', probeMessages.labelsBadJsonRecord(file, i + 1));
    entries.push({ path: record.path, concepts, line: i + 1 });
  });
  return entries;
}

function parseCsvEntries(text: string, file: string): Entry[] {
  const records = parseCsv(text, file).filter((r) => !(r.fields.length === 1 && r.fields[0]!.trim() === ''));
  if (records.length === 0) return [];
  const header = records[0]!.fields.map((f) => f.trim().toLowerCase());
  const pathCol = header.indexOf('path');
  const conceptCol = ['concept', 'concepts', 'label'].map((name) => header.indexOf(name)).find((i) => i >= 0) ?? -1;
  if (pathCol < 0 || conceptCol < 0) throw new NeurolensError('input', probeMessages.labelsCsvColumns(file));
  return records.slice(1).map(({ fields, line }) => {
    if (fields.length <= Math.max(pathCol, conceptCol)) throw new NeurolensError('input', probeMessages.labelsShortRow(file, line));
    return { path: fields[pathCol]!, concepts: splitConcepts(fields[conceptCol]!), line };
  });
}

async function readText(file: string): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NeurolensError('input', probeMessages.labelsMissingFile(file), { cause: err });
    throw new NeurolensError('input', probeMessages.labelsUnreadable(file, code ?? String(err)), { cause: err });
  }
}

/** Per-concept membership sets → labels, dropping concepts that cannot be probed. */
function finish(names: string[], members: Set<number>[], images: number, source: LabelSource, warnings: string[], minPositives = 2): ConceptLabels {
  const kept: { name: string; y: Uint8Array }[] = [];
  const skipped: ConceptLabels['skipped'] = [];
  names.forEach((name, c) => {
    const positives = members[c]!.size;
    const negatives = images - positives;
    if (positives < Math.max(2, minPositives) || negatives < 2) {
      skipped.push({ name, positives, negatives });
      warnings.push(probeMessages.conceptSkipped(name, positives, negatives, Math.max(2, minPositives)));
      return;
    }
    const y = new Uint8Array(images);
    for (const i of members[c]!) y[i] = 1;
    kept.push({ name, y });
  });
  if (kept.length === 0) throw new NeurolensError('input', probeMessages.noUsableConcepts(Math.max(2, minPositives)));
  const count = new Uint8Array(images);
  for (const { y } of kept) for (let i = 0; i < images; i++) count[i]! += y[i]!;
  const exclusive = kept.length >= 2 && count.every((n) => n <= 1);
  return { names: kept.map((k) => k.name), Y: kept.map((k) => k.y), exclusive, source, skipped, warnings };
}

/** Labels from a CSV / JSONL file (see the module comment). */
export async function loadLabelsFile(file: string, runImages: readonly Pick<RunImageRow, 'path'>[], minPositives = 2): Promise<ConceptLabels> {
  const text = await readText(file);
  const entries = detectCaptionsFormat(file, text) === 'jsonl' ? parseJsonl(text, file) : parseCsvEntries(text, file);
  if (entries.every((e) => e.concepts.length === 0)) throw new NeurolensError('input', probeMessages.labelsEmpty(file));
  const rowOf = new Map(runImages.map((image, i) => [captionPathKey(image.path), i]));
  const names: string[] = [];
  const index = new Map<string, number>();
  const members: Set<number>[] = [];
  const unknown: string[] = [];
  for (const entry of entries) {
    const row = rowOf.get(captionPathKey(entry.path));
    if (row === undefined) {
      if (!unknown.includes(entry.path)) unknown.push(entry.path);
      continue;
    }
    for (const concept of entry.concepts) {
      let c = index.get(concept);
      if (c === undefined) {
        c = names.length;
        index.set(concept, c);
        names.push(concept);
        members.push(new Set());
      }
      members[c]!.add(row);
    }
  }
  if (names.length === 0) throw new NeurolensError('input', probeMessages.labelsNoMatch(file));
  const warnings = unknown.length > 0 ? [probeMessages.labelsUnknownPaths(file, unknown)] : [];
  return finish(names, members, runImages.length, { kind: 'file', file }, warnings, minPositives);
}

/** The concepts JSON of the first recorded layer that has one (any layer: the clustering is shared). */
async function firstConceptsLayer(run: string, manifest: Pick<RunManifest, 'layers'>): Promise<{ file: string; layer: ConceptLayer }> {
  const dir = join(run, 'concepts');
  const present = new Set(await readdir(dir).catch(() => [] as string[]));
  const layer = manifest.layers.find((l) => present.has(`${layerFileStem(l.id)}.json`));
  if (!layer) throw new NeurolensError('input', probeMessages.noConceptsRun(run));
  const file = `${layerFileStem(layer.id)}.json`;
  // Named relative to the run, so the probes' settings do not depend on where the run lies.
  return { file: `concepts/${file}`, layer: JSON.parse(await readFile(join(dir, file), 'utf8')) as ConceptLayer };
}

/** The clusters of one level of the concepts run, as exclusive concepts. */
export async function clusterLabels(run: string, level: number, manifest: Pick<RunManifest, 'layers'>, runImages: readonly unknown[], minPositives = 2): Promise<ConceptLabels> {
  const { file, layer } = await firstConceptsLayer(run, manifest);
  const levels = layer.levels.map((l) => l.level);
  if (!levels.includes(level)) throw new NeurolensError('usage', probeMessages.unknownLevel(level, levels));
  const clusters = layer.clusters.filter((c) => c.level === level);
  const names = clusters.map((c) => `${c.caption} (${c.id})`);
  const members = clusters.map((c) => new Set(c.images));
  return finish(names, members, runImages.length, { kind: 'clusters', level, file }, [], minPositives);
}

const exists = (path: string) => access(path).then(() => true, () => false);

/** The caption of every run image (undefined where none), from the concepts run's file or cache. */
async function runCaptions(run: string, layer: ConceptLayer, runImages: readonly Pick<RunImageRow, 'path' | 'sha256'>[]): Promise<{ captions: (string | undefined)[]; from: string }> {
  const settings = layer.settings as { captions?: { file?: string | null }; captioner?: string | null };
  const file = settings.captions?.file;
  // A relative path was relative to where `concepts` ran: try it as given, then from the run's parent.
  const candidates = file ? [resolve(file), resolve(run, '..', file)] : [];
  for (const candidate of candidates) {
    if (!(await exists(candidate))) continue;
    const loaded = await loadCaptions(candidate, runImages, { allowMissing: true, onDuplicate: 'first' });
    const captions: (string | undefined)[] = new Array(runImages.length).fill(undefined);
    loaded.kept.forEach((row, i) => (captions[row] = loaded.captions[i]));
    return { captions, from: file! };
  }
  const captioner = settings.captioner;
  if (captioner) {
    const cache = await CaptionCache.open(run);
    const captions = runImages.map((image) => cache.get(image.sha256, captioner));
    if (captions.some((c) => c !== undefined)) return { captions, from: `caption cache (${captioner})` };
  }
  throw new NeurolensError('input', probeMessages.noCaptions(run));
}

/** The `count` most frequent caption content words, one concept each. */
export async function keywordLabels(run: string, count: number, manifest: Pick<RunManifest, 'layers'>, runImages: readonly Pick<RunImageRow, 'path' | 'sha256'>[], minPositives = 2): Promise<ConceptLabels> {
  const { layer } = await firstConceptsLayer(run, manifest);
  const { captions, from } = await runCaptions(run, layer, runImages);
  const members = new Map<string, Set<number>>();
  captions.forEach((caption, row) => {
    if (caption === undefined) return;
    for (const word of tokenize(caption)) {
      if (ENGLISH_STOP_WORDS.has(word)) continue;
      let set = members.get(word);
      if (!set) members.set(word, (set = new Set()));
      set.add(row);
    }
  });
  if (members.size === 0) throw new NeurolensError('input', probeMessages.noKeywords());
  const words = [...members.keys()].sort((a, b) => members.get(b)!.size - members.get(a)!.size || compareStrings(a, b)).slice(0, count);
  return finish(words, words.map((w) => members.get(w)!), runImages.length, { kind: 'keywords', count, captions: from }, [], minPositives);
}

/** Labels from `--labels FILE` or `--concepts SPEC` (exactly one). */
export async function conceptLabels(
  run: string,
  source: { labels?: string; concepts?: string | ConceptsSpec },
  manifest: Pick<RunManifest, 'layers'>,
  runImages: readonly Pick<RunImageRow, 'path' | 'sha256'>[],
  minPositives = 2,
): Promise<ConceptLabels> {
  if (source.labels !== undefined && source.concepts !== undefined) throw new NeurolensError('usage', probeMessages.labelsBoth());
  if (source.labels !== undefined) return loadLabelsFile(source.labels, runImages, minPositives);
  if (source.concepts === undefined) throw new NeurolensError('usage', probeMessages.labelsRequired());
  const spec = typeof source.concepts === 'string' ? parseConceptsSpec(source.concepts) : source.concepts;
  return spec.kind === 'clusters'
    ? clusterLabels(run, spec.level, manifest, runImages, minPositives)
    : keywordLabels(run, spec.count, manifest, runImages, minPositives);
}

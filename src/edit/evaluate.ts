/**
 * Comparing an edited model with its original on a labelled image set: both models run on the
 * same decoded batches (each in its own session, created once), and the first output of each is
 * read as class scores. Images that cannot be decoded are skipped with a warning.
 */
import { basename } from 'node:path';
import { NeurolensError } from '../errors.js';
import { checkBatchDim, decodeImage, resolvePreprocessing } from '../images/index.js';
import type { ModelCard, Preprocessing, PreprocessingOverrides } from '../images/types.js';
import { editMessages } from '../messages/index.js';
import { openModel } from '../model/open.js';
import { encodeModel } from '../onnx/codec.js';
import { loadModel } from '../onnx/load.js';
import type { ModelSummary } from '../onnx/catalogue/index.js';
import { ModelSession } from '../runtime/session.js';
import type { SessionOptions } from '../runtime/types.js';
import { readEditLabels, type LabelRow } from './labels.js';
import type { ClassAccuracy, EditEvaluation, EditProgress, EvalOptions, ImageComparison } from './types.js';
import { DEFAULT_EVAL_BATCH } from './defaults.js';

export { DEFAULT_EVAL_BATCH } from './defaults.js';

/** Options of {@link evaluateEdit}. */
export interface EvaluateEditOptions extends EvalOptions, SessionOptions {
  /** The original model (its model card sets the preprocessing and class names). */
  original: string;
  /** The edited model (same input and outputs). */
  edited: string;
  /** Input size [height, width] for models with dynamic height/width. */
  inputSize?: [number, number];
  /** Preprocessing overrides (default: the original model card's, as `record` resolves them). */
  preprocessing?: PreprocessingOverrides;
  /** Called as batches finish. */
  onProgress?: (progress: EditProgress) => void;
  /** Called with one line per skipped image. */
  onWarning?: (message: string) => void;
}

/** Opens both models and compares them on the labelled set (see {@link compareModels}). */
export async function evaluateEdit(options: EvaluateEditOptions): Promise<EditEvaluation> {
  const opened = await openModel(options.original, options.inputSize ? { inputSize: options.inputSize } : {});
  const edited = await loadModel(options.edited);
  return compareModels(
    { summary: opened.summary, card: opened.card, modelPath: opened.loaded.path, original: encodeModel(opened.loaded.model), edited: encodeModel(edited.model) },
    options,
  );
}

/** What {@link compareModels} needs about the two models. */
export interface ComparedModels {
  /** The original model's catalogue summary (input spec, outputs, classes). */
  summary: ModelSummary;
  /** The original model's card. */
  card: ModelCard | undefined;
  /** Path of the original model (names its card in messages). */
  modelPath: string;
  /** Self-contained ONNX bytes of the original model (transferred to its session). */
  original: Uint8Array;
  /** Self-contained ONNX bytes of the edited model (transferred to its session). */
  edited: Uint8Array;
  /** The labels file already read (so a caller can check it before doing other work); default: read here. */
  rows?: LabelRow[];
}

type CompareOptions = EvalOptions & SessionOptions & Pick<EvaluateEditOptions, 'preprocessing' | 'onProgress' | 'onWarning'>;

/** Runs both models over the labels file's images, `batch` at a time, and compares their outputs. */
export async function compareModels(models: ComparedModels, options: CompareOptions): Promise<EditEvaluation> {
  const batch = options.batch ?? DEFAULT_EVAL_BATCH;
  if (!Number.isSafeInteger(batch) || batch < 1) throw new NeurolensError('usage', editMessages.badBatch(batch));
  const { summary, card } = models;
  const prep = resolvePreprocessing(
    { name: summary.input.name, dims: summary.input.dims, elemType: summary.input.elemType },
    card,
    options.preprocessing ?? {},
    { modelPath: models.modelPath },
  );
  checkBatchDim(summary.input);
  const rows = models.rows ?? (await readEditLabels(options.labels, { numClasses: summary.numClasses, classNames: card?.classNames }, options.imagesRoot));
  const output = summary.outputs[0]?.name ?? '';
  const session = { threads: options.threads, executionProvider: options.executionProvider, graphOptimization: options.graphOptimization };
  const defined = Object.fromEntries(Object.entries(session).filter(([, v]) => v !== undefined)) as SessionOptions;
  const before = await ModelSession.createTransferring(models.original, defined);
  let after: ModelSession | undefined;
  try {
    after = await ModelSession.createTransferring(models.edited, defined);
    const input = before.inputNames[0]!;
    const size = prep.channels * prep.height * prep.width;
    const dims = prep.layout === 'NHWC' ? [prep.height, prep.width, prep.channels] : [prep.channels, prep.height, prep.width];
    const skipped: EditEvaluation['skipped'] = [];
    const scored: Scored[] = [];
    for (let start = 0; start < rows.length; start += batch) {
      const chunk = rows.slice(start, start + batch);
      const { data, kept } = await decodeBatch(chunk, prep, size, (row, reason) => {
        skipped.push({ path: row.path, reason });
        options.onWarning?.(editMessages.imageSkipped(reason));
      });
      if (kept.length > 0) {
        const n = kept.length;
        const [a, b] = await Promise.all([
          before.run({ [input]: { data: data.slice(), dims: [n, ...dims] } }, [output]),
          after.run({ [input]: { data, dims: [n, ...dims] } }, [output]),
        ]);
        const logitsBefore = a[output]!;
        const logitsAfter = b[output]!;
        const width = logitsBefore.data.length / n;
        if (!Number.isInteger(width) || width < 1 || logitsBefore.dims[0] !== n || logitsAfter.data.length !== logitsBefore.data.length) {
          throw new NeurolensError('model', editMessages.notLogits(output, logitsBefore.dims));
        }
        kept.forEach((row, i) => {
          if (row.label >= width) throw new NeurolensError('input', editMessages.labelOutOfRange(row.path, row.label, width));
          const slice = (t: { data: ArrayLike<number | bigint> }) => Float64Array.from({ length: width }, (_, k) => Number(t.data[i * width + k]));
          scored.push({ row, before: slice(logitsBefore), after: slice(logitsAfter) });
        });
      }
      options.onProgress?.({ phase: 'eval', done: Math.min(start + batch, rows.length), total: rows.length, skipped: skipped.length });
    }
    if (scored.length === 0) throw new NeurolensError('input', editMessages.noImages(options.labels, skipped.length));
    return summarise(scored, skipped, { labels: basename(options.labels), output, classNames: card?.classNames });
  } finally {
    await after?.close();
    await before.close();
  }
}

/** One evaluated image with both models' scores. */
export interface Scored {
  row: Pick<LabelRow, 'path' | 'label'>;
  before: ArrayLike<number>;
  after: ArrayLike<number>;
}

/** Decodes a chunk concurrently into one batch tensor, leaving out (and reporting) the failures. */
async function decodeBatch(
  chunk: readonly LabelRow[],
  prep: Preprocessing,
  size: number,
  onSkip: (row: LabelRow, reason: string) => void,
): Promise<{ data: Float32Array; kept: LabelRow[] }> {
  const buffer = new Float32Array(chunk.length * size);
  const failures = await Promise.all(
    chunk.map(async (row, i) => {
      try {
        await decodeImage(row.file, prep, { displayPath: row.path, into: buffer.subarray(i * size, (i + 1) * size) });
        return undefined;
      } catch (error) {
        if (!(error instanceof NeurolensError)) throw error;
        return error.message;
      }
    }),
  );
  // Reported in file order, not in the order decodes happen to finish (deterministic output).
  failures.forEach((reason, i) => reason !== undefined && onSkip(chunk[i]!, reason));
  const ok = failures.map((reason) => reason === undefined);
  const kept = chunk.filter((_, i) => ok[i]);
  if (kept.length === chunk.length) return { data: buffer, kept };
  const data = new Float32Array(kept.length * size);
  let at = 0;
  ok.forEach((good, i) => good && data.set(buffer.subarray(i * size, (i + 1) * size), size * at++));
  return { data, kept };
}

/** Index of the largest score (ties: the lowest index). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < values.length; k++) if (values[k]! > values[best]!) best = k;
  return best;
}

/** The evaluation figures from both models' scores (pure; deterministic). */
export function summarise(
  scored: readonly Scored[],
  skipped: EditEvaluation['skipped'],
  about: { labels: string; output: string; classNames?: readonly string[] },
): EditEvaluation {
  const images: ImageComparison[] = [];
  let correctBefore = 0;
  let correctAfter = 0;
  let changed = 0;
  let absTrue = 0;
  let deltaTrue = 0;
  let absAll = 0;
  let cells = 0;
  const classes = new Map<number, { n: number; before: number; after: number }>();
  for (const { row, before, after } of scored) {
    const predBefore = argmax(before);
    const predAfter = argmax(after);
    const trueBefore = Number(before[row.label]);
    const trueAfter = Number(after[row.label]);
    images.push({ path: row.path, label: row.label, before: predBefore, after: predAfter, trueBefore, trueAfter });
    const c = classes.get(row.label) ?? { n: 0, before: 0, after: 0 };
    c.n++;
    if (predBefore === row.label) (correctBefore++, c.before++);
    if (predAfter === row.label) (correctAfter++, c.after++);
    classes.set(row.label, c);
    if (predBefore !== predAfter) changed++;
    deltaTrue += trueAfter - trueBefore;
    absTrue += Math.abs(trueAfter - trueBefore);
    for (let k = 0; k < before.length; k++) absAll += Math.abs(Number(after[k]) - Number(before[k]));
    cells += before.length;
  }
  const n = scored.length;
  const perClass: ClassAccuracy[] = [...classes.entries()]
    .sort(([a], [b]) => a - b)
    .map(([cls, c]) => {
      const name = about.classNames?.[cls];
      return { class: cls, ...(name !== undefined ? { name } : {}), n: c.n, before: c.before / c.n, after: c.after / c.n, change: (c.after - c.before) / c.n };
    });
  return {
    labels: about.labels,
    output: about.output,
    n,
    skipped,
    accuracy: { before: correctBefore / n, after: correctAfter / n, change: (correctAfter - correctBefore) / n },
    predictionsChanged: changed,
    logits: { meanAbsDeltaTrue: absTrue / n, meanAbsDeltaAll: cells > 0 ? absAll / cells : 0, meanDeltaTrue: deltaTrue / n },
    perClass,
    images,
  };
}

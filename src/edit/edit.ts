/**
 * Unit correction: write a copy of a model with chosen neurons permanently zeroed or scaled, its
 * model card next to it, and optionally compare it with the original on a labelled image set.
 * The same model, neurons and scale always give byte-identical files.
 */
import { mkdir, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { NeurolensError } from '../errors.js';
import { modelCardPath } from '../images/index.js';
import { editMessages } from '../messages/index.js';
import { openModel } from '../model/open.js';
import { encodeModel } from '../onnx/codec.js';
import { probeShapes } from '../runtime/probe.js';
import { stableJson, writeFileAtomic } from '../store/atomic.js';
import { sha256 } from '../store/hash.js';
import { bakeScales, channelAxis, encodeEdited, scaleDims, scaleValues, type BakeEdit } from './bake.js';
import { compareModels, DEFAULT_EVAL_BATCH } from './evaluate.js';
import { readEditLabels } from './labels.js';
import { checkOut, parseAblate, parseScale, resolveNeurons } from './parse.js';
import type { EditedLayer, EditOptions, EditResult } from './types.js';
import { DEFAULT_SCALE } from './defaults.js';

/** The record of an edit kept in the model's metadata, its model card and the evaluation file. */
export interface EditNote {
  /** Source model file name and sha256. */
  source: { file: string; sha256: string };
  /** Factor applied to every listed neuron. */
  scale: number;
  /** Edited neurons per layer. */
  neurons: { layer: string; tensor: string; channels: number[] }[];
}

export { DEFAULT_SCALE } from './defaults.js';

/** Writes the edited model (see the module comment); returns what was written. */
export async function editModel(options: EditOptions): Promise<EditResult> {
  const scale = parseScale(options.scale ?? DEFAULT_SCALE);
  const neurons = typeof options.ablate === 'string' ? parseAblate(options.ablate) : [...options.ablate];
  const out = checkOut(options.out, options.model);
  const card = modelCardPath(out);
  if (card === modelCardPath(resolve(options.model))) throw new NeurolensError('usage', editMessages.outCardIsInputCard(options.out, card));
  const batch = options.eval?.batch ?? DEFAULT_EVAL_BATCH;
  if (!Number.isSafeInteger(batch) || batch < 1) throw new NeurolensError('usage', editMessages.badBatch(batch));

  const opened = await openModel(options.model, options.inputSize ? { inputSize: options.inputSize } : {});
  await refuseSameFile(opened.loaded.path, out, options.out);
  const resolved = resolveNeurons(neurons, opened.summary.layers, options.model);
  const model = opened.loaded.model;
  // A bad labels file is reported before anything is written.
  const labelClasses = { numClasses: opened.summary.numClasses, classNames: opened.card?.classNames };
  const rows = options.eval ? await readEditLabels(options.eval.labels, labelClasses, options.eval.imagesRoot) : undefined;

  // The rank of each tensor decides the factor's dims (a "vector" may be [N,D] or a pooled [N,C,1,1]).
  const probed = await probeShapes(model, resolved.map((r) => r.layer.tensor), opened.inputSize ? { inputSize: opened.inputSize } : {});
  const layers: EditedLayer[] = [];
  const edits: BakeEdit[] = [];
  for (const { layer, channels } of resolved) {
    const dims = probed.tensors.get(layer.tensor)?.dims ?? [];
    const rank = dims.length > 0 ? dims.length : layer.kind === 'feature' ? 4 : layer.kind === 'tokens' ? 3 : 2;
    const axisDim = dims[channelAxis(layer.kind, rank, layer.layout)];
    if (dims.length > 0 && (dims.length < 2 || (typeof axisDim === 'number' && axisDim !== layer.channels))) {
      throw new NeurolensError('model', editMessages.layerShape(layer.id, layer.tensor, dims, layer.channels));
    }
    const maskDims = scaleDims(layer.kind, layer.channels, rank, layer.layout);
    layers.push({ id: layer.id, tensor: layer.tensor, kind: layer.kind, channels: layer.channels, edited: channels, maskDims });
    edits.push({ tensor: layer.tensor, dims: maskDims, values: scaleValues(layer.channels, channels, scale) });
  }

  const note: EditNote = {
    source: { file: basename(opened.loaded.path), sha256: opened.sha256 },
    scale,
    neurons: layers.map((l) => ({ layer: l.id, tensor: l.tensor, channels: l.edited })),
  };
  const edited = bakeScales(model, edits, JSON.stringify(note));
  const bytes = encodeEdited(edited, options.out);
  const digest = sha256(bytes);
  await mkdir(dirname(out), { recursive: true });
  await writeFileAtomic(out, bytes);
  const previous = opened.card?.edit;
  await writeFileAtomic(card, stableJson({ ...(opened.card ?? {}), edit: previous === undefined ? note : { ...note, previous } }));

  const result: EditResult = {
    out,
    card,
    scale,
    layers,
    neurons: layers.reduce((sum, l) => sum + l.edited.length, 0),
    sourceSha256: opened.sha256,
    sha256: digest,
    bytes: bytes.byteLength,
  };
  if (options.eval) {
    const { model: _model, ablate: _ablate, scale: _scale, out: _out, inputSize: _size, eval: evalOptions, ...rest } = options;
    const evaluation = await compareModels(
      { summary: opened.summary, card: opened.card, modelPath: opened.loaded.path, original: encodeModel(model), edited: bytes, rows },
      { ...rest, ...evalOptions, batch },
    );
    const evalPath = out.replace(/\.onnx$/i, '.eval.json');
    const models = { original: { file: note.source.file, sha256: opened.sha256 }, edited: { file: basename(out), sha256: digest } };
    await writeFileAtomic(evalPath, stableJson({ models, edit: note, ...evaluation }));
    result.evaluation = evaluation;
    result.evalPath = evalPath;
  }
  return result;
}

/** Refuses an `out` that is the input file under another name (a hard or symbolic link). */
async function refuseSameFile(input: string, out: string, shown: string): Promise<void> {
  let a;
  let b;
  try {
    [a, b] = await Promise.all([stat(input), stat(out)]);
  } catch {
    return; // out does not exist yet
  }
  if (a.dev === b.dev && a.ino === b.ino) throw new NeurolensError('usage', editMessages.outIsInput(shown));
}

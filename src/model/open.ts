/**
 * Opening a model for analysis: the decoded graph, its sha256, its model card (sidecar JSON) and
 * its layer catalogue. `inspect`, `record` and every later analysis start here.
 */
import { catalogueModel } from '../onnx/catalogue/index.js';
import type { ModelSummary } from '../onnx/catalogue/index.js';
import { loadModel, type LoadedModel } from '../onnx/load.js';
import { loadModelCard } from '../images/index.js';
import type { ModelCard } from '../images/types.js';
import { sha256 } from '../store/hash.js';

export interface OpenModelOptions {
  /** Input size [height, width] for models with dynamic H/W (overrides the model card's inputSize). */
  inputSize?: [number, number];
}

export interface OpenedModel {
  loaded: LoadedModel;
  /** sha256 of the .onnx file's bytes. */
  sha256: string;
  card: ModelCard | undefined;
  summary: ModelSummary;
  /** The input size used for shape inference, when one was needed and known. */
  inputSize: [number, number] | undefined;
}

function cardInputSize(card: ModelCard | undefined): [number, number] | undefined {
  const size = card?.inputSize;
  if (size === undefined) return undefined;
  return typeof size === 'number' ? [size, size] : [size[0], size[1]];
}

export async function openModel(path: string, options: OpenModelOptions = {}): Promise<OpenedModel> {
  const loaded = await loadModel(path);
  const card = await loadModelCard(loaded.path);
  const inputSize = options.inputSize ?? cardInputSize(card);
  const summary = await catalogueModel(loaded.model, { inputSize });
  return { loaded, sha256: sha256(loaded.bytes), card, summary, inputSize };
}

/** What `neurolens inspect` shows: the catalogue, plus the model card's class names when present. */
export async function inspectModel(path: string, options: OpenModelOptions = {}): Promise<ModelSummary> {
  return (await openModel(path, options)).summary;
}

/**
 * Reading ONNX model files from disk, including weights stored in external data files
 * (TensorProto.data_location = EXTERNAL). External weights are inlined into raw_data so the
 * model — and every instrumented variant of it — can be handed to onnxruntime as one buffer.
 */
import { readFile, open } from 'node:fs/promises';
import { dirname, resolve, relative, isAbsolute } from 'node:path';
import { NeurolensError } from '../errors.js';
import { onnxMessages } from '../messages/index.js';
import { decodeModel } from './codec.js';
import type { GraphProto, ModelProto, TensorProto } from './types.js';

/** Largest total of external weights we inline (protobuf messages are limited to 2 GiB). */
const MAX_INLINE_BYTES = 1.9 * 1024 ** 3;

export interface LoadedModel {
  /** The decoded model, with external weights inlined. */
  model: ModelProto;
  /** Absolute path of the .onnx file. */
  path: string;
  /** The file's bytes as read (before inlining), e.g. for hashing. */
  bytes: Uint8Array;
  /** Whether weights came from external data files: then `bytes` alone is not the whole model. */
  external: boolean;
}

export async function loadModel(path: string): Promise<LoadedModel> {
  const absolute = resolve(path);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NeurolensError('input', onnxMessages.modelMissing(path));
    throw new NeurolensError('input', onnxMessages.modelUnreadable(path, code ?? String(error)), { cause: error });
  }
  let model: ModelProto;
  try {
    model = decodeModel(bytes);
  } catch (error) {
    throw new NeurolensError('model', onnxMessages.modelNotOnnx(path, (error as Error).message), { cause: error });
  }
  if (!model.graph || (model.graph.node ?? []).length === 0) {
    throw new NeurolensError('model', onnxMessages.modelNoGraph(path));
  }
  const external = await inlineExternalData(model.graph, absolute);
  return { model, path: absolute, bytes, external };
}

function externalTensors(graph: GraphProto): TensorProto[] {
  const tensors = [...(graph.initializer ?? [])];
  for (const node of graph.node ?? []) {
    for (const attribute of node.attribute ?? []) {
      if (attribute.t) tensors.push(attribute.t);
      if (attribute.g) tensors.push(...externalTensors(attribute.g));
      for (const sub of attribute.graphs ?? []) tensors.push(...externalTensors(sub));
    }
  }
  return tensors.filter((t) => t.dataLocation === 1);
}

/** Reads external weights into the graph; returns whether there were any. */
async function inlineExternalData(graph: GraphProto, modelPath: string): Promise<boolean> {
  const tensors = externalTensors(graph);
  if (tensors.length === 0) return false;
  const folder = dirname(modelPath);
  const entries = tensors.map((tensor) => {
    const info = new Map((tensor.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
    const location = info.get('location') ?? '';
    const file = resolve(folder, location);
    const rel = relative(folder, file);
    if (location === '' || rel.startsWith('..') || isAbsolute(rel)) {
      throw new NeurolensError('model', onnxMessages.externalDataOutside(modelPath, location));
    }
    return { tensor, file, location, offset: Number(info.get('offset') ?? 0), length: info.has('length') ? Number(info.get('length')) : undefined };
  });
  const total = entries.reduce((sum, e) => sum + (e.length ?? 0), 0);
  if (total > MAX_INLINE_BYTES) {
    throw new NeurolensError('model', onnxMessages.externalDataTooLarge(modelPath, (total / 1024 ** 3).toFixed(1)));
  }
  for (const entry of entries) {
    let handle;
    try {
      handle = await open(entry.file, 'r');
    } catch (error) {
      throw new NeurolensError('input', onnxMessages.externalDataMissing(modelPath, entry.tensor.name ?? '?', entry.location), { cause: error });
    }
    try {
      const size = (await handle.stat()).size;
      const length = entry.length ?? size - entry.offset;
      if (entry.offset + length > size || length < 0) {
        throw new NeurolensError('input', onnxMessages.externalDataShort(modelPath, entry.tensor.name ?? '?', entry.location));
      }
      const data = Buffer.alloc(length);
      await handle.read(data, 0, length, entry.offset);
      entry.tensor.rawData = data;
      delete entry.tensor.externalData;
      delete entry.tensor.dataLocation;
    } finally {
      await handle.close();
    }
  }
  return true;
}

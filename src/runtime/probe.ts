/**
 * probeShapes: the dims and element types of chosen intermediate tensors, read from onnxruntime.
 *
 * The tensors are appended to the model as name-only graph outputs (no type, no shape), so
 * onnxruntime's own shape inference fills in `session.outputMetadata`. Where that leaves a dim
 * unknown or symbolic (dynamic height/width, data-dependent reshapes) the probe runs ONE batch of
 * zeros and reads the actual dims. This is a one-off on the calling thread — fine for `inspect`
 * and cataloguing; long-running work goes through ModelSession (worker thread) instead.
 *
 * Appending outputs does not re-encode the weights: a protobuf message parsed from the
 * concatenation of two encodings is the merge of both, and a repeated field (graph.output) is
 * appended to (appendToGraph).
 */
import ort from 'onnxruntime-node';
import { NeurolensError } from '../errors.js';
import { onnxMessages } from '../messages/index.js';
import { appendToGraph, encodeModel } from '../onnx/codec.js';
import type { ModelProto } from '../onnx/types.js';
import { createError, nodeLookup, runError } from './errors.js';
import type { ValueMetadata } from './types.js';
import { weightlessModel } from './weightless.js';

// onnxruntime's logging environment is one per process and takes the level of whoever starts it
// first: this thread's probe or GEMM usually does, and a worker's 'fatal' then no longer holds.
// Errors come back as exceptions, so the native logger stays off stderr here too (a failed CUDA
// session would otherwise print a multi-line provider-bridge log above the one-line error).
ort.env.logLevel = 'fatal';

export interface ProbeOptions {
  /**
   * [height, width] of the image fed to the model's first input. Required when that input's
   * spatial dims are symbolic; must equal them when they are fixed.
   */
  inputSize?: [number, number];
  /** onnxruntime graph optimisation for the probe session; default 'disabled' (tensors stay as named). */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'all';
}

export interface ProbedTensor {
  name: string;
  /** onnxruntime element type, e.g. 'float32'; 'unknown' when onnxruntime did not say. */
  elemType: string;
  /**
   * Dims: numbers when known. The first dim is reported as the model's batch dim (its symbol, e.g.
   * 'batch', when the input's batch is symbolic) when it follows the batch; other symbolic dims
   * stay strings and unknown ones are '?'.
   */
  dims: (number | string)[];
}

export interface ProbeResult {
  /** The model's inputs (not initializers), as onnxruntime reports them. */
  inputs: ProbedTensor[];
  /** The model's own outputs (not the probed tensors), with dims filled in by the dummy run if one ran. */
  outputs: ProbedTensor[];
  /** Every probed tensor by name; names that are not tensors of the model are absent. */
  tensors: Map<string, ProbedTensor>;
  /** The first input's batch dim: a symbol like 'batch' or a fixed number. */
  batch: number | string;
  /** The [height, width] the shapes were inferred for, when the first input is an image. */
  inputSize: [number, number] | null;
  /** Whether a dummy batch had to be run because shape inference left dims unknown. */
  ranDummyBatch: boolean;
}

const RUN_BATCH = 2; // > 1 so that a dim equal to the batch size is recognisably the batch dim

/** Reads the dims of `tensorNames` (node outputs of `source`) from onnxruntime. */
export async function probeShapes(
  source: ModelProto | Uint8Array,
  tensorNames: readonly string[],
  options: ProbeOptions = {},
): Promise<ProbeResult> {
  if (options.inputSize !== undefined) checkSize(options.inputSize);
  // Names already among the outputs need not be added (for raw bytes we cannot tell cheaply, and
  // onnxruntime accepts a repeated output name).
  const declaredOutputs = source instanceof Uint8Array ? undefined : new Set((source.graph?.output ?? []).map((o) => o.name ?? ''));
  const base = source instanceof Uint8Array ? source : encodeModel(weightlessModel(source));
  // With a model at hand, names that are not node outputs are dropped (onnxruntime refuses them).
  const produced = source instanceof Uint8Array ? undefined : new Set((source.graph?.node ?? []).flatMap((n) => n.output ?? []));
  const wanted = [...new Set(tensorNames)].filter((n) => n !== '' && !declaredOutputs?.has(n) && (produced?.has(n) ?? true));
  const bytes = appendToGraph(base, { output: wanted.map((name) => ({ name })) });

  const version = String(ort.env.versions?.node ?? ort.env.versions?.common ?? '?');
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      logSeverityLevel: 3,
      graphOptimizationLevel: options.graphOptimizationLevel ?? 'disabled',
      intraOpNumThreads: 1,
    });
  } catch (error) {
    throw createError(messageOf(error), version, 'cpu', false, source instanceof Uint8Array ? undefined : nodeLookup(source));
  }
  try {
    const inputs = session.inputMetadata.map(toProbed);
    const image = inputs[0];
    if (!image) throw new NeurolensError('model', onnxMessages.catalogueNoInput());
    const batch = image.dims[0] ?? 1;
    const layout = imageLayout(image, options.inputSize);
    // The model's own outputs come first in outputMetadata; the probed ones follow.
    const all = session.outputMetadata.map(toProbed);
    const ownCount = all.length - wanted.length;
    const outputs = all.slice(0, ownCount);
    const asked = new Set(tensorNames);
    const tensors = new Map(all.filter((t) => asked.has(t.name)).map((t) => [t.name, t] as const));
    const resolved = [...tensors.values()].every((t) => isResolved(t, batch));
    if (resolved) return { inputs, outputs, tensors, batch, inputSize: layout?.size ?? null, ranDummyBatch: false };

    // Shape inference left dims open: run one batch of zeros and read the real dims.
    const feeds: Record<string, ort.Tensor> = {};
    const feedDims: Record<string, { dims: number[] }> = {};
    inputs.forEach((input, i) => {
      const dims = dummyDims(input, i === 0 ? layout : null);
      feeds[input.name] = zeros(input.elemType, dims);
      feedDims[input.name] = { dims };
    });
    // Fetch only the tensors still open: every fetched output stays alive to the end of the run,
    // which for a large model at a large input is gigabytes (ViT-B/16: ~2 GB for all of them).
    const open = [...new Set([...outputs, ...tensors.values()].filter((t) => !isResolved(t, batch)).map((t) => t.name))];
    let results: ort.InferenceSession.OnnxValueMapType;
    try {
      results = await session.run(feeds, open);
    } catch (error) {
      throw runError(messageOf(error), session.inputMetadata as readonly ValueMetadata[], feedDims);
    }
    const actual = (t: ProbedTensor): ProbedTensor => {
      const value = results[t.name] as ort.Tensor | undefined;
      if (!value || !Array.isArray(value.dims)) return t;
      const dims: (number | string)[] = [...value.dims];
      // The first dim is the batch when it equals the batch size fed (always, for a fixed batch).
      if (typeof batch === 'string' && dims[0] === RUN_BATCH) dims[0] = batch;
      return { name: t.name, elemType: value.type ?? t.elemType, dims };
    };
    for (const [name, t] of tensors) tensors.set(name, actual(t));
    return { inputs, outputs: outputs.map(actual), tensors, batch, inputSize: layout?.size ?? null, ranDummyBatch: true };
  } finally {
    await session.release();
  }
}

function checkSize(size: unknown): void {
  const ok = Array.isArray(size) && size.length === 2 && size.every((v) => Number.isInteger(v) && v > 0);
  if (!ok) throw new NeurolensError('usage', onnxMessages.catalogueInputSizeInvalid(size));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function toProbed(meta: ort.InferenceSession.ValueMetadata): ProbedTensor {
  if (!meta.isTensor) return { name: meta.name, elemType: 'non-tensor', dims: [] };
  const dims = (meta.shape ?? []).map((d) => (typeof d === 'number' && d >= 0 ? d : d === '' || typeof d !== 'string' ? '?' : d));
  return { name: meta.name, elemType: String(meta.type ?? 'unknown'), dims };
}

/** Known rank, every dim after the first a number, and the first dim the model's batch dim. */
function isResolved(t: ProbedTensor, batch: number | string): boolean {
  if (t.dims.length === 0) return t.elemType === 'non-tensor';
  return t.dims[0] === batch && t.dims.slice(1).every((d) => typeof d === 'number');
}

interface ImageLayout {
  /** Positions of height and width in the input dims. */
  axes: [number, number];
  size: [number, number];
}

/**
 * Where height and width sit in a rank-4 image input: NCHW unless dim 1 is not a small channel count
 * while dim 3 is (NHWC, as TensorFlow exports). Fills symbolic height/width from `inputSize`.
 */
function imageLayout(input: ProbedTensor, inputSize: [number, number] | undefined): ImageLayout | null {
  const dims = input.dims;
  if (dims.length !== 4) {
    if (dims.slice(1).some((d) => typeof d !== 'number')) {
      throw new NeurolensError('model', onnxMessages.catalogueInputDimsUnknown(input.name, dims));
    }
    return null;
  }
  const small = (d: number | string | undefined) => typeof d === 'number' && d <= 4;
  const axes: [number, number] = !small(dims[1]) && small(dims[3]) ? [1, 2] : [2, 3];
  const channelAxis = axes[0] === 1 ? 3 : 1;
  if (typeof dims[channelAxis] !== 'number') {
    throw new NeurolensError('model', onnxMessages.catalogueInputDimsUnknown(input.name, dims));
  }
  const h = dims[axes[0]]!;
  const w = dims[axes[1]]!;
  if (typeof h === 'number' && typeof w === 'number') {
    if (inputSize && (inputSize[0] !== h || inputSize[1] !== w)) {
      throw new NeurolensError('usage', onnxMessages.catalogueInputSizeMismatch(input.name, dims, inputSize));
    }
    return { axes, size: [h, w] };
  }
  if (!inputSize) throw new NeurolensError('usage', onnxMessages.catalogueInputSizeNeeded(input.name, dims));
  if ((typeof h === 'number' && h !== inputSize[0]) || (typeof w === 'number' && w !== inputSize[1])) {
    throw new NeurolensError('usage', onnxMessages.catalogueInputSizeMismatch(input.name, dims, inputSize));
  }
  return { axes, size: inputSize };
}

function dummyDims(input: ProbedTensor, layout: ImageLayout | null): number[] {
  return input.dims.map((d, i) => {
    if (layout && i === layout.axes[0]) return layout.size[0];
    if (layout && i === layout.axes[1]) return layout.size[1];
    if (typeof d === 'number') return d;
    return i === 0 ? RUN_BATCH : 1;
  });
}

function zeros(type: string, dims: number[]): ort.Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  switch (type) {
    case 'float64': return new ort.Tensor('float64', new Float64Array(n), dims);
    case 'float16': return new ort.Tensor('float16', new Uint16Array(n), dims);
    case 'uint8': return new ort.Tensor('uint8', new Uint8Array(n), dims);
    case 'int8': return new ort.Tensor('int8', new Int8Array(n), dims);
    case 'int32': return new ort.Tensor('int32', new Int32Array(n), dims);
    case 'int64': return new ort.Tensor('int64', new BigInt64Array(n), dims);
    case 'bool': return new ort.Tensor('bool', new Uint8Array(n), dims);
    default: return new ort.Tensor('float32', new Float32Array(n), dims);
  }
}

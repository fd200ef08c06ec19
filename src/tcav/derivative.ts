/**
 * Directional derivatives of a class logit along a CAV. A CAV lives in the run's pooled (mean)
 * space, one value per neuron; moving a feature map A [C,H,W] "along v" means adding v_c to every
 * position of channel c, so the derivative of the logit along v is
 *
 *   S = Σ_c v_c · Σ_{h,w} ∂logit/∂A_{c,h,w}
 *
 * (for token layers [T,D] the inner sum runs over the tokens, class tokens included; for vectors
 * [D] there is nothing to sum). The gradient comes from the autodiff core (GradientModel): target
 * = the class logit (a one-hot seed on the model's logits output), wrt = the layer's tensor. Only
 * the per-neuron sums Σ_positions ∂logit/∂A are kept, so every CAV of a run is scored from one
 * backward pass per image.
 */
import { join } from 'node:path';
import { GradientModel } from '../grad/model.js';
import { decodeImage } from '../images/index.js';
import type { Preprocessing } from '../images/types.js';
import type { ModelProto } from '../onnx/types.js';
import type { LayerRecord } from '../record/types.js';
import type { SessionOptions, TensorLike } from '../runtime/types.js';

/** Per-neuron sums over positions of a layer gradient: [n × neurons] from a tensor of the layer's dims. */
export function positionSums(grad: TensorLike, layer: Pick<LayerRecord, 'kind' | 'layout' | 'channels'>): Float64Array {
  const data = grad.data as Float32Array;
  const n = grad.dims[0]!;
  const C = layer.channels;
  const per = data.length / n;
  const positions = per / C;
  // Channels sit on the last axis for tokens, vectors and NHWC maps; on axis 1 for NCHW maps.
  const channelsLast = layer.kind !== 'feature' || layer.layout === 'NHWC';
  const out = new Float64Array(n * C);
  for (let r = 0; r < n; r++) {
    const o = r * per;
    for (let p = 0; p < positions; p++) {
      for (let c = 0; c < C; c++) out[r * C + c]! += data[o + (channelsLast ? p * C + c : c * positions + p)]!;
    }
  }
  return out;
}

/** S for every image: sums [n × C] (from {@link positionSums}) dotted with the CAV v [C]. */
export function directionalDerivatives(sums: Float64Array, v: Float64Array): Float64Array {
  const C = v.length;
  const n = sums.length / C;
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += sums[r * C + c]! * v[c]!;
    out[r] = s;
  }
  return out;
}

/** What {@link classGradientSums} needs to run the model on run images. */
export interface GradientSource {
  model: ModelProto;
  /** The model's image input name and its logits output (the run manifest's). */
  input: string;
  logits: string;
  /** The run's preprocessing (the images go in exactly as they were recorded). */
  prep: Preprocessing;
  /** Image root and run-relative paths of the images to run. */
  root: string;
  paths: readonly string[];
  /** Images per forward + backward batch. */
  batch: number;
  session?: SessionOptions;
}

/** Per image: the class logit and the per-neuron position sums of its gradient at `layer`. */
export async function classGradientSums(source: GradientSource, layer: LayerRecord, cls: number, onBatch?: (done: number, total: number) => void): Promise<{ logits: Float64Array; sums: Float64Array }> {
  const { prep, paths } = source;
  const model = await GradientModel.create(source.model, { targets: [{ tensor: source.logits }], wrt: [layer.tensor] }, { ...source.session, inputSize: [prep.height, prep.width] });
  try {
    const size = prep.channels * prep.height * prep.width;
    const classes = model.targetDims[0]![1] as number;
    const logits = new Float64Array(paths.length);
    const sums = new Float64Array(paths.length * layer.channels);
    for (let start = 0; start < paths.length; start += source.batch) {
      const n = Math.min(source.batch, paths.length - start);
      const data = new Float32Array(n * size);
      for (let i = 0; i < n; i++) await decodeImage(join(source.root, paths[start + i]!), prep, { into: data.subarray(i * size, (i + 1) * size), displayPath: paths[start + i]! });
      const seed = new Float32Array(n * classes);
      for (let i = 0; i < n; i++) seed[i * classes + cls] = 1;
      const dims = prep.layout === 'NCHW' ? [n, prep.channels, prep.height, prep.width] : [n, prep.height, prep.width, prep.channels];
      const result = await model.run({ [source.input]: { data, dims } }, [{ data: seed, dims: [n, classes] }]);
      const out = result.targets[0]!.data as Float32Array;
      for (let i = 0; i < n; i++) logits[start + i] = out[i * classes + cls]!;
      sums.set(positionSums(result.grads[layer.tensor]!, layer), start * layer.channels);
      onBatch?.(start + n, paths.length);
    }
    return { logits, sums };
  } finally {
    await model.close();
  }
}

/**
 * Finite-difference gradient checks for backward rules. A case is a tiny model (built with
 * GraphBuilder, usually one node); the check compares the gradient graph's result for a random
 * seed with central differences of L = Σ seed ⊙ output, computed by running the forward model and
 * summing in float64.
 *
 * With dtype 'float64' (the reference: onnxruntime's double kernels, h = 1e-6) the tolerance is
 * 1e-6 relative; ops onnxruntime runs only in float32 use h = 1e-2 and 2e-3 relative.
 */
import assert from 'node:assert/strict';
import ort from 'onnxruntime-node';
import { buildGradientModel } from '../../src/grad/model.js';
import type { GradientSpec, VjpRule } from '../../src/grad/types.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { encodeModel } from '../../src/onnx/codec.js';
import type { ModelProto } from '../../src/onnx/types.js';
import { Random } from '../../src/util/random.js';

export type Dtype = 'float32' | 'float64';

export interface FloatInput {
  dims: number[];
  /** Values; default: seeded normal values. */
  values?: readonly number[];
}

export interface GradCase {
  /** Graph inputs (all float, differentiated unless `wrt` says otherwise). */
  inputs: Record<string, FloatInput>;
  /** Adds the nodes; returns the output tensor (the target). Constants go in as initializers. */
  build: (b: GraphBuilder, c: CaseHelpers) => string;
  dtype?: Dtype;
  /** Inputs to differentiate (default: all). */
  wrt?: string[];
  opset?: number;
  seed?: number;
  /** Rule overrides. */
  rules?: Readonly<Record<string, VjpRule>>;
  /** Relative tolerance override. */
  rtol?: number;
  /** Finite-difference step override. */
  h?: number;
}

export interface CaseHelpers {
  dtype: Dtype;
  /** A float initializer of the case's dtype. */
  floats(name: string, values: readonly number[], dims: readonly number[]): string;
  random: Random;
}

export interface GradCheckResult {
  analytic: Record<string, Float64Array>;
  numeric: Record<string, Float64Array>;
  maxError: number;
}

function floatArray(dtype: Dtype, values: ArrayLike<number>): Float32Array | Float64Array {
  return dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values);
}

/** Builds the case's model. */
export function caseModel(c: GradCase): ModelProto {
  const dtype = c.dtype ?? 'float64';
  const random = new Random(c.seed ?? 11);
  const b = new GraphBuilder({ opset: c.opset ?? 17 });
  for (const [name, input] of Object.entries(c.inputs)) b.input(name, input.dims, dtype);
  const helpers: CaseHelpers = { dtype, random, floats: (name, values, dims) => b.initializer(name, floatArray(dtype, values), dims) };
  const out = c.build(b, helpers);
  b.output(out, undefined, dtype);
  return b.build();
}

/** Runs the check and asserts every gradient element matches; returns both gradients. */
export async function checkGradient(c: GradCase): Promise<GradCheckResult> {
  const dtype = c.dtype ?? 'float64';
  const h = c.h ?? (dtype === 'float64' ? 1e-6 : 1e-2);
  const rtol = c.rtol ?? (dtype === 'float64' ? 1e-6 : 2e-3);
  const model = caseModel(c);
  const random = new Random((c.seed ?? 11) + 1);
  const values: Record<string, Float64Array> = {};
  for (const [name, input] of Object.entries(c.inputs)) {
    const n = input.dims.reduce((a, b) => a * b, 1);
    values[name] = input.values ? Float64Array.from(input.values) : Float64Array.from({ length: n }, () => random.normal());
  }
  const wrt = c.wrt ?? Object.keys(c.inputs);
  const target = model.graph!.output![0]!.name!;
  const feeds = (over?: Record<string, Float64Array>): Record<string, ort.Tensor> =>
    Object.fromEntries(Object.entries(c.inputs).map(([name, input]) => [name, new ort.Tensor(dtype, floatArray(dtype, (over?.[name] ?? values[name])!), input.dims)]));

  // In-process sessions (no worker threads): these graphs are tiny and there are many checks.
  const options: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, logSeverityLevel: 3 };
  const plain = await ort.InferenceSession.create(encodeModel(model), options);
  const spec: GradientSpec = { targets: [{ tensor: target }], wrt, ...(c.rules ? { rules: c.rules } : {}) };
  const graph = await buildGradientModel(model, spec);
  const grad = await ort.InferenceSession.create(encodeModel(graph.model), options);
  try {
    const clean = (await plain.run(feeds(), [target]))[target]!;
    const seed = Float64Array.from({ length: clean.data.length }, () => random.normal());
    const loss = async (over: Record<string, Float64Array>) => {
      const out = (await plain.run(feeds(over), [target]))[target]!.data as Float32Array | Float64Array;
      let sum = 0;
      for (let i = 0; i < out.length; i++) sum += seed[i]! * out[i]!;
      return sum;
    };
    const fetched = await grad.run({ ...feeds(), [graph.names.seeds[0]!]: new ort.Tensor(dtype, floatArray(dtype, seed), [...clean.dims]) });
    const result = {
      grads: Object.fromEntries(wrt.map((w) => [w, fetched[graph.names.grads[w]!]!])),
    };
    const analytic: Record<string, Float64Array> = {};
    const numeric: Record<string, Float64Array> = {};
    let maxError = 0;
    for (const name of wrt) {
      const a = Float64Array.from(result.grads[name]!.data as Float32Array);
      assert.deepEqual(result.grads[name]!.dims, c.inputs[name]!.dims, `gradient dims of ${name}`);
      const x = values[name]!;
      const num = new Float64Array(x.length);
      for (let i = 0; i < x.length; i++) {
        const plus = Float64Array.from(x);
        const minus = Float64Array.from(x);
        plus[i]! += h;
        minus[i]! -= h;
        num[i] = ((await loss({ [name]: plus })) - (await loss({ [name]: minus }))) / (2 * h);
      }
      const scale = Math.max(1, ...num.map(Math.abs));
      for (let i = 0; i < x.length; i++) {
        const error = Math.abs(a[i]! - num[i]!) / scale;
        maxError = Math.max(maxError, error);
        assert.ok(error <= rtol, `d/d${name}[${i}]: autodiff ${a[i]} vs finite differences ${num[i]} (relative error ${error.toExponential(2)} > ${rtol})`);
      }
      analytic[name] = a;
      numeric[name] = num;
    }
    return { analytic, numeric, maxError };
  } finally {
    await plain.release();
    await grad.release();
  }
}

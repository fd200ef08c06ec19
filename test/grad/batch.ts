/**
 * Backward rules on a model whose batch dim is symbolic, as exported vision models have it: the
 * probed batch dim is then a string, and rules working along the batch axis take their run-time
 * paths. The gradient must equal the one of the same case with a fixed batch (which checkGradient
 * verifies by finite differences).
 */
import assert from 'node:assert/strict';
import ort from 'onnxruntime-node';
import { buildGradientModel } from '../../src/grad/model.js';
import type { GradientSpec } from '../../src/grad/types.js';
import { encodeModel } from '../../src/onnx/codec.js';
import type { ModelProto } from '../../src/onnx/types.js';
import { Random } from '../../src/util/random.js';
import { caseModel, type GradCase } from './check.js';

/** The case's model with every input's first dim renamed to the symbol 'N'. */
export function symbolicBatchModel(c: GradCase): ModelProto {
  const model = caseModel(c);
  for (const input of model.graph!.input ?? []) {
    const dim = input.type?.tensorType?.shape?.dim;
    if (dim?.[0]) dim[0] = { dimParam: 'N' };
  }
  return model;
}

/** Gradients of Σ seed ⊙ target w.r.t. every input, through the gradient graph of `model`. */
async function gradients(model: ModelProto, c: GradCase, values: Record<string, Float64Array>, seedValues: (n: number) => Float64Array) {
  const target = model.graph!.output![0]!.name!;
  const wrt = Object.keys(c.inputs);
  const spec: GradientSpec = { targets: [{ tensor: target }], wrt };
  const graph = await buildGradientModel(model, spec);
  const options = { intraOpNumThreads: 1, logSeverityLevel: 3 } as const;
  const plain = await ort.InferenceSession.create(encodeModel(model), options);
  const session = await ort.InferenceSession.create(encodeModel(graph.model), options);
  try {
    const feeds = Object.fromEntries(wrt.map((w) => [w, new ort.Tensor('float64', values[w]!, c.inputs[w]!.dims)]));
    const forward = (await plain.run(feeds, [target]))[target]!;
    const seed = new ort.Tensor('float64', seedValues(forward.data.length), [...forward.dims]);
    const out = await session.run({ ...feeds, [graph.names.seeds[0]!]: seed });
    return wrt.map((w) => Float64Array.from(out[graph.names.grads[w]!]!.data as Float64Array));
  } finally {
    await plain.release();
    await session.release();
  }
}

/** Asserts the symbolic-batch gradient of a float64 case equals the fixed-batch one. */
export async function checkSymbolicBatch(c: GradCase): Promise<void> {
  const random = new Random(c.seed ?? 5);
  const values = Object.fromEntries(
    Object.entries(c.inputs).map(([name, input]) => [name, Float64Array.from({ length: input.dims.reduce((a, b) => a * b, 1) }, () => random.normal())]),
  );
  const seed = new Map<number, Float64Array>();
  const seedValues = (n: number) => {
    if (!seed.has(n)) seed.set(n, Float64Array.from({ length: n }, () => random.normal()));
    return seed.get(n)!;
  };
  const fixed = await gradients(caseModel(c), c, values, seedValues);
  const symbolic = await gradients(symbolicBatchModel(c), c, values, seedValues);
  symbolic.forEach((g, i) => {
    assert.equal(g.length, fixed[i]!.length);
    g.forEach((v, j) => assert.ok(Math.abs(v - fixed[i]![j]!) <= 1e-12, `element ${j}: ${v} vs ${fixed[i]![j]}`));
  });
}

/** Helpers for tests that run models: reference runs of the unmodified model, tensor lookup, comparison. */
import assert from 'node:assert/strict';
import { encodeModel } from '../../src/onnx/codec.js';
import type { ModelProto } from '../../src/onnx/types.js';
import { ModelSession } from '../../src/runtime/session.js';
import type { TensorLike } from '../../src/runtime/types.js';

/** Output tensor of the one node whose name ends with `suffix` (e.g. 'layer1.0/relu_1/Relu'). */
export function tensorOf(model: ModelProto, suffix: string): string {
  const nodes = (model.graph?.node ?? []).filter((n) => (n.name ?? '').endsWith(`/${suffix}`) || n.name === suffix);
  assert.equal(nodes.length, 1, `expected one node named …/${suffix}, found ${nodes.length}`);
  return nodes[0]!.output![0]!;
}

/**
 * Runs the UNMODIFIED model with the given tensors added as plain graph outputs (the reference the
 * instrumented model must match) and returns every output. Inputs are copied, not consumed.
 */
export async function referenceRun(model: ModelProto, extraOutputs: string[], inputs: Record<string, TensorLike>): Promise<Record<string, TensorLike>> {
  const graph = model.graph!;
  const existing = new Set((graph.output ?? []).map((o) => o.name));
  const withOutputs: ModelProto = {
    ...model,
    graph: { ...graph, output: [...(graph.output ?? []), ...extraOutputs.filter((n) => !existing.has(n)).map((name) => ({ name }))] },
  };
  const session = await ModelSession.create(encodeModel(withOutputs));
  try {
    return await session.run(copyFeeds(inputs));
  } finally {
    await session.close();
  }
}

export function copyFeeds(inputs: Record<string, TensorLike>): Record<string, TensorLike> {
  return Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, { ...v, data: v.data.slice(), dims: [...v.dims] }]));
}

export function images(batch: number, data: Float32Array): Record<string, TensorLike> {
  return { input: { data, dims: [batch, 3, 16, 16] } };
}

/** Same dims and |a − e| ≤ tol · max(1, |e|) everywhere. */
export function assertClose(actual: TensorLike | undefined, expected: TensorLike | undefined, label: string, tol = 1e-5): void {
  assert.ok(actual, `${label}: missing actual`);
  assert.ok(expected, `${label}: missing expected`);
  assert.deepEqual(actual.dims, expected.dims, `${label}: dims`);
  const a = actual.data as Float32Array;
  const e = expected.data as Float32Array;
  assert.equal(a.length, e.length, `${label}: length`);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - e[i]!) / Math.max(1, Math.abs(e[i]!));
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  assert.ok(worst <= tol, `${label}: differs by ${worst} at ${at} (${a[at]} vs ${e[at]})`);
}

/** Largest |a − b| (to check that an intervention did change something). */
export function maxDiff(a: TensorLike, b: TensorLike): number {
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
  return worst;
}

/** Channel `c` of an [N, C, …] tensor set to zero, in a copy. */
export function zeroChannel(t: TensorLike, c: number, samples?: number[]): TensorLike {
  const [n, channels] = t.dims as [number, number];
  const inner = t.dims.slice(2).reduce((a, b) => a * b, 1);
  const data = (t.data as Float32Array).slice();
  for (const s of samples ?? Array.from({ length: n }, (_, i) => i)) data.fill(0, (s * channels + c) * inner, (s * channels + c + 1) * inner);
  return { data, dims: [...t.dims] };
}

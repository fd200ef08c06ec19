/**
 * GELU as exporters decompose it, built from primitive nodes: the Erf form x·½·(1 + erf(x/√2)) and
 * the tanh form ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). Each is checked by finite differences
 * and against its derivative computed here in float64, and so is the fused Gelu op (opset 20).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import ort from 'onnxruntime-node';
import { buildGradientModel } from '../../../src/grad/model.js';
import type { GraphBuilder } from '../../../src/onnx/builder.js';
import { encodeModel } from '../../../src/onnx/codec.js';
import { caseModel, checkGradient, type CaseHelpers, type Dtype, type GradCase } from '../check.js';

const C = Math.sqrt(2 / Math.PI);
const K = 0.044715;

/** erf by its Maclaurin series: for |x| ≤ 3 the cancellation costs under 1e-12. */
function erf(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 80; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** d/dx of x·Φ(x): Φ(x) + x·φ(x). */
const exactSlope = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2)) + (x * Math.exp(-x * x / 2)) / Math.sqrt(2 * Math.PI);

/** d/dx of ½x(1 + tanh(u)), u = C(x + Kx³). */
function tanhSlope(x: number): number {
  const t = Math.tanh(C * (x + K * x ** 3));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * C * (1 + 3 * K * x * x);
}

function erfForm(b: GraphBuilder, c: CaseHelpers): string {
  const scaled = b.node('Div', ['x', c.floats('sqrt2', [Math.SQRT2], [])]);
  const onePlus = b.node('Add', [b.node('Erf', [scaled]), c.floats('one', [1], [])]);
  return b.node('Mul', [b.node('Mul', ['x', onePlus]), c.floats('half', [0.5], [])]);
}

function tanhForm(b: GraphBuilder, c: CaseHelpers): string {
  const cube = b.node('Pow', ['x', c.floats('three', [3], [])]);
  const inner = b.node('Add', ['x', b.node('Mul', [cube, c.floats('k', [K], [])])]);
  const t = b.node('Tanh', [b.node('Mul', [inner, c.floats('c', [C], [])])]);
  const onePlus = b.node('Add', [t, c.floats('one', [1], [])]);
  return b.node('Mul', [b.node('Mul', [c.floats('half', [0.5], []), 'x']), onePlus]);
}

/** Values over [−3, 3], where the series erf above is exact to float64. */
const values = Array.from({ length: 24 }, (_, i) => -3 + (i * 6) / 23);

/** The gradient graph's dL/dx with a seed of ones, i.e. the elementwise derivative. */
async function slopes(c: GradCase): Promise<Float64Array> {
  const dtype: Dtype = c.dtype ?? 'float64';
  const array = (v: ArrayLike<number>) => (dtype === 'float64' ? Float64Array.from(v) : Float32Array.from(v));
  const model = caseModel(c);
  const target = model.graph!.output![0]!.name!;
  const graph = await buildGradientModel(model, { targets: [{ tensor: target }], wrt: ['x'] });
  const session = await ort.InferenceSession.create(encodeModel(graph.model), { intraOpNumThreads: 1, logSeverityLevel: 3 });
  try {
    const dims = c.inputs.x!.dims;
    const feeds = { x: new ort.Tensor(dtype, array(values), dims), [graph.names.seeds[0]!]: new ort.Tensor(dtype, array(values.map(() => 1)), dims) };
    const out = await session.run(feeds);
    return Float64Array.from(out[graph.names.grads.x!]!.data as Float32Array);
  } finally {
    await session.release();
  }
}

async function matchesFormula(c: GradCase, formula: (x: number) => number, tolerance: number): Promise<void> {
  const got = await slopes(c);
  values.forEach((x, i) => {
    const want = formula(x);
    assert.ok(Math.abs(got[i]! - want) <= tolerance * Math.max(1, Math.abs(want)), `slope at x = ${x}: autodiff ${got[i]} vs formula ${want}`);
  });
}

const dims = [2, 12];

test('GELU Erf decomposition: finite differences and the exact derivative, float32 (onnxruntime has no double Erf kernel)', async () => {
  const c: GradCase = { dtype: 'float32', inputs: { x: { dims, values } }, build: erfForm };
  await checkGradient(c);
  await matchesFormula(c, exactSlope, 1e-5);
});

test('GELU tanh decomposition (Pow, Tanh, Mul, Add): finite differences and the exact derivative, float64 and float32', async () => {
  const c64: GradCase = { inputs: { x: { dims, values } }, build: tanhForm };
  await checkGradient(c64);
  await matchesFormula(c64, tanhSlope, 1e-12);
  const c32: GradCase = { ...c64, dtype: 'float32' };
  await checkGradient(c32);
  await matchesFormula(c32, tanhSlope, 1e-5);
});

test('Gelu op (opset 20) matches the same derivatives: exact (float32) and tanh (float64)', async () => {
  await matchesFormula({ dtype: 'float32', opset: 20, inputs: { x: { dims, values } }, build: (b) => b.node('Gelu', ['x']) }, exactSlope, 1e-5);
  await matchesFormula({ opset: 20, inputs: { x: { dims, values } }, build: (b) => b.node('Gelu', ['x'], { approximate: 'tanh' }) }, tanhSlope, 1e-12);
});

/**
 * A float64 reference evaluator for the ops of the test models (tiny CNNs and the tiny ViT), in
 * plain JS. onnxruntime's CPU provider has no double Conv, GlobalAveragePool or Erf, so finite
 * differences of whole models in float64 need their own forward pass; it evaluates the ONNX graph
 * node by node, and lets a test replace any tensor's value (to differentiate w.r.t. a layer).
 */
import { tensorDims, tensorValues } from '../../src/onnx/tensor.js';
import { int64ToNumber, type AttributeProto, type ModelProto, type NodeProto } from '../../src/onnx/types.js';

export interface Tensor64 {
  data: Float64Array;
  dims: number[];
}

const size = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
const strides = (dims: readonly number[]) => {
  const s = Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1]! * dims[i + 1]!;
  return s;
};

function attrs(node: NodeProto) {
  const get = (n: string): AttributeProto | undefined => (node.attribute ?? []).find((a) => a.name === n);
  return {
    int: (n: string, d: number) => (get(n)?.i !== undefined ? int64ToNumber(get(n)!.i) : d),
    ints: (n: string, d: number[]) => (get(n)?.ints ? get(n)!.ints!.map(int64ToNumber) : d),
    float: (n: string, d: number) => get(n)?.f ?? d,
  };
}

/** Elementwise op with numpy broadcasting. */
function broadcast(a: Tensor64, b: Tensor64, f: (x: number, y: number) => number): Tensor64 {
  const rank = Math.max(a.dims.length, b.dims.length);
  const pad = (d: number[]) => [...Array(rank - d.length).fill(1), ...d];
  const ad = pad(a.dims);
  const bd = pad(b.dims);
  const dims = ad.map((d, i) => Math.max(d, bd[i]!));
  const as = strides(ad).map((s, i) => (ad[i] === 1 ? 0 : s));
  const bs = strides(bd).map((s, i) => (bd[i] === 1 ? 0 : s));
  const os = strides(dims);
  const data = new Float64Array(size(dims));
  for (let i = 0; i < data.length; i++) {
    let ia = 0;
    let ib = 0;
    let r = i;
    for (let k = 0; k < rank; k++) {
      const c = Math.floor(r / os[k]!);
      r -= c * os[k]!;
      ia += c * as[k]!;
      ib += c * bs[k]!;
    }
    data[i] = f(a.data[ia]!, b.data[ib]!);
  }
  return { data, dims };
}

/** erf to ~1e-15: Taylor series near 0, continued fraction for erfc further out. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 100; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(-x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …)))) (Lentz-free backward evaluation)
  let f = ax;
  for (let k = 60; k >= 1; k--) f = ax + k / 2 / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

function conv(x: Tensor64, w: Tensor64, b: Tensor64 | undefined, node: NodeProto): Tensor64 {
  const a = attrs(node);
  const [n, c, h, wd] = x.dims as [number, number, number, number];
  const [m, cg, kh, kw] = w.dims as [number, number, number, number];
  const [sh, sw] = a.ints('strides', [1, 1]) as [number, number];
  const [pt, pl, pb, pr] = a.ints('pads', [0, 0, 0, 0]) as [number, number, number, number];
  const group = a.int('group', 1);
  const oh = Math.floor((h + pt + pb - kh) / sh) + 1;
  const ow = Math.floor((wd + pl + pr - kw) / sw) + 1;
  const out = new Float64Array(n * m * oh * ow);
  const mg = m / group;
  for (let i = 0; i < n; i++)
    for (let o = 0; o < m; o++) {
      const g = Math.floor(o / mg);
      for (let y = 0; y < oh; y++)
        for (let z = 0; z < ow; z++) {
          let s = b ? b.data[o]! : 0;
          for (let ci = 0; ci < cg; ci++)
            for (let u = 0; u < kh; u++)
              for (let v = 0; v < kw; v++) {
                const yy = y * sh - pt + u;
                const zz = z * sw - pl + v;
                if (yy < 0 || zz < 0 || yy >= h || zz >= wd) continue;
                s += x.data[((i * c + g * cg + ci) * h + yy) * wd + zz]! * w.data[((o * cg + ci) * kh + u) * kw + v]!;
              }
          out[((i * m + o) * oh + y) * ow + z] = s;
        }
    }
  return { data: out, dims: [n, m, oh, ow] };
}

function maxPool(x: Tensor64, node: NodeProto): Tensor64 {
  const a = attrs(node);
  const [n, c, h, w] = x.dims as [number, number, number, number];
  const [kh, kw] = a.ints('kernel_shape', []) as [number, number];
  const [sh, sw] = a.ints('strides', [1, 1]) as [number, number];
  const [pt, pl, pb, pr] = a.ints('pads', [0, 0, 0, 0]) as [number, number, number, number];
  const oh = Math.floor((h + pt + pb - kh) / sh) + 1;
  const ow = Math.floor((w + pl + pr - kw) / sw) + 1;
  const out = new Float64Array(n * c * oh * ow);
  for (let p = 0; p < n * c; p++)
    for (let y = 0; y < oh; y++)
      for (let z = 0; z < ow; z++) {
        let best = -Infinity;
        for (let u = 0; u < kh; u++)
          for (let v = 0; v < kw; v++) {
            const yy = y * sh - pt + u;
            const zz = z * sw - pl + v;
            if (yy >= 0 && zz >= 0 && yy < h && zz < w) best = Math.max(best, x.data[(p * h + yy) * w + zz]!);
          }
        out[(p * oh + y) * ow + z] = best;
      }
  return { data: out, dims: [n, c, oh, ow] };
}

/** Batched matmul with broadcast batch dims (both operands rank ≥ 2). */
function matmul(a: Tensor64, b: Tensor64): Tensor64 {
  const [m, k] = a.dims.slice(-2) as [number, number];
  const nn = b.dims.at(-1)!;
  const batchA = a.dims.slice(0, -2);
  const batchB = b.dims.slice(0, -2);
  const idx = broadcast({ data: Float64Array.from({ length: size(batchA) }, (_, i) => i), dims: batchA }, { data: Float64Array.from({ length: size(batchB) }, (_, i) => i), dims: batchB }, (x, y) => x * 1e6 + y);
  const out = new Float64Array(idx.data.length * m * nn);
  idx.data.forEach((code, q) => {
    const ia = Math.floor(code / 1e6);
    const ib = code - ia * 1e6;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < nn; j++) {
        let s = 0;
        for (let t = 0; t < k; t++) s += a.data[ia * m * k + i * k + t]! * b.data[ib * k * nn + t * nn + j]!;
        out[q * m * nn + i * nn + j] = s;
      }
  });
  return { data: out, dims: [...idx.dims, m, nn] };
}

function transpose(x: Tensor64, perm: number[]): Tensor64 {
  const dims = perm.map((p) => x.dims[p]!);
  const xs = strides(x.dims);
  const os = strides(dims);
  const data = new Float64Array(x.data.length);
  for (let i = 0; i < data.length; i++) {
    let r = i;
    let src = 0;
    for (let k = 0; k < dims.length; k++) {
      const c = Math.floor(r / os[k]!);
      r -= c * os[k]!;
      src += c * xs[perm[k]!]!;
    }
    data[i] = x.data[src]!;
  }
  return { data, dims };
}

/** Applies `f` to each row along the last axis. */
function lastAxis(x: Tensor64, f: (row: Float64Array) => Float64Array): Tensor64 {
  const d = x.dims.at(-1)!;
  const data = new Float64Array(x.data.length);
  for (let i = 0; i < data.length; i += d) data.set(f(x.data.subarray(i, i + d)), i);
  return { data, dims: [...x.dims] };
}

function gather(x: Tensor64, idx: Tensor64, axis: number): Tensor64 {
  const ax = axis < 0 ? axis + x.dims.length : axis;
  const outer = size(x.dims.slice(0, ax));
  const inner = size(x.dims.slice(ax + 1));
  const n = x.dims[ax]!;
  const data = new Float64Array(outer * idx.data.length * inner);
  let at = 0;
  for (let o = 0; o < outer; o++)
    for (const raw of idx.data) {
      const j = raw < 0 ? raw + n : raw;
      data.set(x.data.subarray((o * n + j) * inner, (o * n + j + 1) * inner), at);
      at += inner;
    }
  return { data, dims: [...x.dims.slice(0, ax), ...idx.dims, ...x.dims.slice(ax + 1)] };
}

function concat(parts: Tensor64[], axis: number): Tensor64 {
  const ax = axis < 0 ? axis + parts[0]!.dims.length : axis;
  const outer = size(parts[0]!.dims.slice(0, ax));
  const dims = [...parts[0]!.dims];
  dims[ax] = parts.reduce((s, p) => s + p.dims[ax]!, 0);
  const data = new Float64Array(size(dims));
  let at = 0;
  for (let o = 0; o < outer; o++)
    for (const p of parts) {
      const chunk = size(p.dims.slice(ax));
      data.set(p.data.subarray(o * chunk, (o + 1) * chunk), at);
      at += chunk;
    }
  return { data, dims };
}

function evalNode(node: NodeProto, ins: (Tensor64 | undefined)[]): Tensor64 {
  const a = attrs(node);
  const [x, y, z] = ins;
  switch (node.opType) {
    case 'Add': return broadcast(x!, y!, (p, q) => p + q);
    case 'Sub': return broadcast(x!, y!, (p, q) => p - q);
    case 'Mul': return broadcast(x!, y!, (p, q) => p * q);
    case 'Div': return broadcast(x!, y!, (p, q) => p / q);
    case 'Relu': return { data: x!.data.map((v) => Math.max(0, v)), dims: x!.dims };
    case 'Erf': return { data: x!.data.map(erf), dims: x!.dims };
    case 'Conv': return conv(x!, y!, z, node);
    case 'MaxPool': return maxPool(x!, node);
    case 'BatchNormalization': {
      const [, scale, bias, mean, variance] = ins as Tensor64[];
      const c = x!.dims[1]!;
      const per = size(x!.dims.slice(2));
      const eps = a.float('epsilon', 1e-5);
      return { data: x!.data.map((v, i) => { const ch = Math.floor(i / per) % c; return ((v - mean!.data[ch]!) / Math.sqrt(variance!.data[ch]! + eps)) * scale!.data[ch]! + bias!.data[ch]!; }), dims: x!.dims };
    }
    case 'GlobalAveragePool': {
      const per = size(x!.dims.slice(2));
      const data = new Float64Array(x!.dims[0]! * x!.dims[1]!);
      for (let i = 0; i < data.length; i++) for (let p = 0; p < per; p++) data[i]! += x!.data[i * per + p]! / per;
      return { data, dims: [x!.dims[0]!, x!.dims[1]!, ...x!.dims.slice(2).map(() => 1)] };
    }
    case 'Flatten': {
      const axis = a.int('axis', 1);
      return { data: x!.data, dims: [size(x!.dims.slice(0, axis)), size(x!.dims.slice(axis))] };
    }
    case 'Gemm': {
      const A = a.int('transA', 0) ? transpose(x!, [1, 0]) : x!;
      const B = a.int('transB', 0) ? transpose(y!, [1, 0]) : y!;
      const prod = matmul(A, B);
      const scaled = { data: prod.data.map((v) => v * a.float('alpha', 1)), dims: prod.dims };
      return z ? broadcast(scaled, z, (p, q) => p + a.float('beta', 1) * q) : scaled;
    }
    case 'MatMul': return matmul(x!, y!);
    case 'Softmax': return lastAxis(x!, (row) => { const m = Math.max(...row); const e = row.map((v) => Math.exp(v - m)); const s = e.reduce((p, q) => p + q, 0); return e.map((v) => v / s); });
    case 'LayerNormalization': {
      const eps = a.float('epsilon', 1e-5);
      const normed = lastAxis(x!, (row) => { const m = row.reduce((p, q) => p + q, 0) / row.length; const v = row.reduce((p, q) => p + (q - m) ** 2, 0) / row.length; return row.map((q) => (q - m) / Math.sqrt(v + eps)); });
      const scaled = broadcast(normed, y!, (p, q) => p * q);
      return z ? broadcast(scaled, z, (p, q) => p + q) : scaled;
    }
    case 'Reshape': {
      const want = [...y!.data].map((d, i) => (d === 0 ? x!.dims[i]! : d));
      const known = want.filter((d) => d !== -1).reduce((p, q) => p * q, 1);
      return { data: x!.data, dims: want.map((d) => (d === -1 ? x!.data.length / known : d)) };
    }
    case 'Transpose': return transpose(x!, a.ints('perm', x!.dims.map((_, i) => x!.dims.length - 1 - i)));
    case 'Gather': return gather(x!, y!, a.int('axis', 0));
    case 'Concat': return concat(ins as Tensor64[], a.int('axis', 0));
    case 'Shape': return { data: Float64Array.from(x!.dims), dims: [x!.dims.length] };
    case 'Expand': {
      const shape = [...y!.data];
      return broadcast(x!, { data: new Float64Array(size(shape)), dims: shape }, (p) => p);
    }
    default: throw new Error(`reference evaluator: op ${node.opType} not implemented`);
  }
}

/**
 * Evaluates `model` in float64 on `inputs` and returns every tensor; `overrides` replace a
 * tensor's computed value (its producer's result is discarded), for derivatives w.r.t. layers.
 */
export function evaluate(model: ModelProto, inputs: Record<string, Tensor64>, overrides: Record<string, Tensor64> = {}): Map<string, Tensor64> {
  const values = new Map<string, Tensor64>();
  for (const t of model.graph!.initializer ?? []) values.set(t.name!, { data: Float64Array.from(tensorValues(t)), dims: tensorDims(t) });
  for (const [name, value] of Object.entries(inputs)) values.set(name, overrides[name] ?? value);
  for (const node of model.graph!.node ?? []) {
    const out = node.output![0]!;
    if (overrides[out]) {
      values.set(out, overrides[out]!);
      continue;
    }
    values.set(out, evalNode(node, (node.input ?? []).map((n) => (n === '' ? undefined : values.get(n)))));
  }
  return values;
}

/**
 * The GradEmitter rules write backward nodes with: unique names under `neurolens/grad/`, constants
 * of the graph's float type, opset-aware axes helpers, and numpy-broadcast reduction.
 */
import { makeAttribute, type AttrValue } from '../onnx/builder.js';
import { uniqueName } from '../onnx/graph.js';
import { DATA_TYPE, type NodeProto, type TensorProto } from '../onnx/types.js';
import type { AttrInput, Dims, GradEmitter } from './types.js';

/** Collects the nodes and constants of a backward pass. */
export class Emitter implements GradEmitter {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly shapes = new Map<string, string>();
  private readonly constants = new Map<string, string>();
  /** The node being differentiated, for readable node names. */
  scope = '';

  constructor(
    readonly opset: number,
    readonly dtype: number,
    private readonly probed: ReadonlyMap<string, Dims>,
    private readonly usedTensors: Set<string>,
    private readonly usedNodes: Set<string>,
    private readonly readInts: (tensor: string) => number[] | undefined = () => undefined,
  ) {}

  constantInts(tensor: string): number[] | undefined {
    return tensor === '' ? undefined : this.readInts(tensor);
  }

  private name(base: string): string {
    return uniqueName(`neurolens/grad/${base}`, this.usedTensors);
  }

  nodeOutputs(op: string, inputs: readonly string[], attributes: Record<string, AttrInput>, count: number): string[] {
    const nodeName = uniqueName(`neurolens/grad/${this.scope}/${op}`, this.usedNodes);
    const output = Array.from({ length: count }, (_, i) => this.name(`${this.scope}/${op}_${i}`));
    this.nodes.push({
      name: nodeName,
      opType: op,
      input: [...inputs],
      output,
      attribute: Object.entries(attributes).map(([key, value]) => makeAttribute(key, toAttr(value))),
    });
    return output;
  }

  node(op: string, inputs: readonly string[], attributes: Record<string, AttrInput> = {}): string {
    return this.nodeOutputs(op, inputs, attributes, 1)[0]!;
  }

  constant(values: readonly number[], dims?: readonly number[]): string {
    const shape = dims ?? (values.length === 1 ? [] : [values.length]);
    const key = `f${shape.join('x')}:${values.join(',')}`;
    return this.cached(key, () => {
      const data = this.dtype === DATA_TYPE.float64 ? new Float64Array(values) : new Float32Array(values);
      return { dims: [...shape], dataType: this.dtype, rawData: new Uint8Array(data.buffer) };
    });
  }

  int64s(values: readonly number[]): string {
    return this.cached(`i:${values.join(',')}`, () => {
      const data = BigInt64Array.from(values.map((v) => BigInt(v)));
      return { dims: [values.length], dataType: DATA_TYPE.int64, rawData: new Uint8Array(data.buffer) };
    });
  }

  private cached(key: string, make: () => TensorProto): string {
    const found = this.constants.get(key);
    if (found) return found;
    const name = this.name('const');
    this.initializers.push({ ...make(), name });
    this.constants.set(key, name);
    return name;
  }

  dims(tensor: string): Dims {
    const dims = this.probed.get(tensor);
    if (!dims) throw new Error(`autodiff: no probed dims for tensor ${JSON.stringify(tensor)}`);
    return dims;
  }

  rank(tensor: string): number {
    return this.dims(tensor).length;
  }

  shape(tensor: string): string {
    let name = this.shapes.get(tensor);
    if (!name) {
      const scope = this.scope;
      this.scope = 'shape';
      name = this.node('Shape', [tensor]);
      this.scope = scope;
      this.shapes.set(tensor, name);
    }
    return name;
  }

  reduceSum(x: string, axes: readonly number[], keepdims: boolean): string {
    if (axes.length === 0) return x;
    if (this.opset >= 13) return this.node('ReduceSum', [x, this.int64s(axes)], { keepdims: keepdims ? 1 : 0 });
    return this.node('ReduceSum', [x], { axes, keepdims: keepdims ? 1 : 0 });
  }

  unsqueeze(x: string, axes: readonly number[]): string {
    if (axes.length === 0) return x;
    return this.opset >= 13 ? this.node('Unsqueeze', [x, this.int64s(axes)]) : this.node('Unsqueeze', [x], { axes });
  }

  squeeze(x: string, axes: readonly number[]): string {
    if (axes.length === 0) return x;
    return this.opset >= 13 ? this.node('Squeeze', [x, this.int64s(axes)]) : this.node('Squeeze', [x], { axes });
  }

  unbroadcast(grad: string, output: string, input: string): string {
    const out = this.dims(output);
    const inp = this.dims(input);
    const lead = out.length - inp.length;
    const kept: number[] = [];
    for (let i = 0; i < inp.length; i++) {
      const o = out[i + lead]!;
      if (inp[i] === 1 && o !== 1) kept.push(i + lead);
    }
    // Reduce the size-1 axes with keepdims first, then sum the leading axes away.
    let g = this.reduceSum(grad, kept, true);
    g = this.reduceSum(g, Array.from({ length: lead }, (_, i) => i), false);
    return g;
  }
}

function toAttr(value: AttrInput): AttrValue {
  if (typeof value === 'object' && !Array.isArray(value) && 'float' in value) {
    const f = (value as { float: number | readonly number[] }).float;
    return { float: typeof f === 'number' ? f : [...f] };
  }
  return (Array.isArray(value) ? [...value] : value) as AttrValue;
}

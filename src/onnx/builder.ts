/**
 * A small builder for ONNX graphs in TypeScript: tests build tiny models with it, benchmarks build
 * realistic ones (e.g. a ResNet-18 with seeded random weights), and instrumentation uses its
 * attribute helpers.
 */
import { makeTensor, type TensorData } from './tensor.js';
import { ATTRIBUTE_TYPE, DATA_TYPE, type AttributeProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from './types.js';

/** Marks a number (or list) as a float attribute even when its value is an integer. */
export interface FloatAttr {
  float: number | number[];
}
export type AttrValue = number | number[] | string | FloatAttr | TensorProto;

export function floatAttr(value: number | number[]): FloatAttr {
  return { float: value };
}

export function makeAttribute(name: string, value: AttrValue): AttributeProto {
  if (typeof value === 'string') return { name, type: ATTRIBUTE_TYPE.string, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { name, type: ATTRIBUTE_TYPE.int, i: value } : { name, type: ATTRIBUTE_TYPE.float, f: value };
  }
  if (Array.isArray(value)) {
    return value.every(Number.isInteger)
      ? { name, type: ATTRIBUTE_TYPE.ints, ints: value }
      : { name, type: ATTRIBUTE_TYPE.floats, floats: value };
  }
  if ('float' in value) {
    return Array.isArray(value.float)
      ? { name, type: ATTRIBUTE_TYPE.floats, floats: value.float }
      : { name, type: ATTRIBUTE_TYPE.float, f: value.float };
  }
  return { name, type: ATTRIBUTE_TYPE.tensor, t: value };
}

const ELEM_TYPES = { float32: DATA_TYPE.float32, float64: DATA_TYPE.float64, int64: DATA_TYPE.int64, int32: DATA_TYPE.int32, uint8: DATA_TYPE.uint8 } as const;
export type ElemTypeName = keyof typeof ELEM_TYPES;

/** A ValueInfoProto for a tensor; `dims` undefined = unknown rank, strings = symbolic dims. */
export function makeValueInfo(name: string, elemType: ElemTypeName | number, dims?: readonly (number | string)[]): ValueInfoProto {
  const type = typeof elemType === 'number' ? elemType : ELEM_TYPES[elemType];
  const tensorType: { elemType: number; shape?: { dim: { dimValue?: number; dimParam?: string }[] } } = { elemType: type };
  if (dims) tensorType.shape = { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) };
  return { name, type: { tensorType } };
}

export interface NodeOptions {
  /** Node name (e.g. '/layer1/layer1.0/relu/Relu'); default `<opType>_<n>`. */
  name?: string;
  /** Output tensor names, or how many to create; default one named `<node name>_output_0`. */
  outputs?: string[] | number;
  domain?: string;
}

export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private counter = 0;

  constructor(
    private readonly options: { name?: string; opset?: number; irVersion?: number } = {},
  ) {}

  input(name: string, dims: readonly (number | string)[], elemType: ElemTypeName = 'float32'): string {
    this.inputs.push(makeValueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, dims?: readonly (number | string)[], elemType: ElemTypeName = 'float32'): void {
    this.outputs.push(makeValueInfo(name, elemType, dims));
  }

  initializer(name: string, data: TensorData, dims: readonly number[]): string {
    this.initializers.push(makeTensor(name, data, dims));
    return name;
  }

  /** A 1-D int64 initializer (shapes, axes, pads). */
  int64s(name: string, values: readonly number[]): string {
    return this.initializer(name, BigInt64Array.from(values.map(BigInt)), [values.length]);
  }

  /** Adds a node; returns its output names. */
  nodeOutputs(opType: string, inputs: readonly string[], attributes: Record<string, AttrValue> = {}, options: NodeOptions = {}): string[] {
    const name = options.name ?? `${opType}_${this.counter++}`;
    const outputs = Array.isArray(options.outputs)
      ? options.outputs
      : Array.from({ length: options.outputs ?? 1 }, (_, i) => `${name}_output_${i}`);
    const node: NodeProto = {
      name,
      opType,
      input: [...inputs],
      output: outputs,
      attribute: Object.entries(attributes).map(([key, value]) => makeAttribute(key, value)),
    };
    if (options.domain !== undefined) node.domain = options.domain;
    this.nodes.push(node);
    return outputs;
  }

  /** Adds a single-output node; returns the output name. */
  node(opType: string, inputs: readonly string[], attributes: Record<string, AttrValue> = {}, options: NodeOptions = {}): string {
    return this.nodeOutputs(opType, inputs, attributes, options)[0]!;
  }

  build(): ModelProto {
    return {
      irVersion: this.options.irVersion ?? 8,
      producerName: 'neurolens',
      opsetImport: [{ domain: '', version: this.options.opset ?? 17 }],
      graph: {
        name: this.options.name ?? 'graph',
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    };
  }
}

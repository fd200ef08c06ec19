/**
 * Appending nodes, outputs and weights to an encoded model without decoding and re-encoding it.
 * Protobuf merges a repeated field's occurrences, so a GraphProto holding only the additions,
 * concatenated after the graph's own bytes, decodes as the graph with those entries appended; only
 * the ModelProto's length prefix of the graph changes. For a 47 MB ResNet-18 that is one copy of
 * the bytes instead of a full encode (~0.1 s). The appended nodes come after every original node;
 * onnxruntime sorts a graph's nodes topologically itself.
 */
import protobuf from 'protobufjs';
import { ONNX_PROTO } from './schema.js';
import type { GraphProto } from './types.js';

const GraphType = protobuf.parse(ONNX_PROTO, { keepCase: false }).root.lookupType('onnx.GraphProto');

/** ModelProto's field number of `graph`, and protobuf's wire types. */
const GRAPH_FIELD = 7;
const WIRE = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;

export type GraphAdditions = Pick<GraphProto, 'node' | 'output' | 'initializer'>;

function readVarint(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  for (let i = at; i < bytes.length && i < at + 10; i++) {
    value += (bytes[i]! & 0x7f) * scale;
    if (bytes[i]! < 0x80) return [value, i + 1];
    scale *= 128;
  }
  throw new RangeError('splice: truncated varint');
}

function varint(value: number): number[] {
  const out: number[] = [];
  while (value >= 0x80) {
    out.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
}

/** Where the (single) graph field's payload lies in an encoded ModelProto, or undefined. */
function graphField(bytes: Uint8Array): { tag: number; start: number; end: number } | undefined {
  let found: { tag: number; start: number; end: number } | undefined;
  let at = 0;
  while (at < bytes.length) {
    const tagStart = at;
    const [key, afterKey] = readVarint(bytes, at);
    const wire = key % 8;
    at = afterKey;
    if (wire === WIRE.varint) at = readVarint(bytes, at)[1];
    else if (wire === WIRE.fixed64) at += 8;
    else if (wire === WIRE.fixed32) at += 4;
    else if (wire === WIRE.bytes) {
      const [length, start] = readVarint(bytes, at);
      at = start + length;
      if (Math.floor(key / 8) === GRAPH_FIELD) {
        if (found) return undefined; // a graph split over several fields: leave it to the encoder
        found = { tag: tagStart, start, end: at };
      }
    } else return undefined;
  }
  return at === bytes.length ? found : undefined;
}

/**
 * `bytes` (an encoded ModelProto) with `additions` appended to its graph, or undefined when the
 * bytes are not laid out as expected (the caller then encodes the rewritten model instead).
 */
export function appendToGraph(bytes: Uint8Array, additions: GraphAdditions): Uint8Array | undefined {
  let field;
  try {
    field = graphField(bytes);
  } catch {
    return undefined;
  }
  if (!field) return undefined;
  const extra = GraphType.encode(additions as protobuf.Message).finish();
  const header = [...varint(GRAPH_FIELD * 8 + WIRE.bytes), ...varint(field.end - field.start + extra.length)];
  const out = new Uint8Array(field.tag + header.length + (field.end - field.start) + extra.length + (bytes.length - field.end));
  let at = 0;
  out.set(bytes.subarray(0, field.tag), at);
  at += field.tag;
  out.set(header, at);
  at += header.length;
  out.set(bytes.subarray(field.start, field.end), at);
  at += field.end - field.start;
  out.set(extra, at);
  at += extra.length;
  out.set(bytes.subarray(field.end), at);
  return out;
}

/**
 * Reading the constant int inputs of shape ops (shapes, axes, starts, pads, indices) from the
 * graph: initializers and Constant nodes. Tensors computed at run time read as undefined, so rules
 * fall back to run-time Shape arithmetic or refuse with a message naming the node.
 */
import { NeurolensError } from '../../errors.js';
import { gradMessages } from '../../messages/grad.js';
import { tensorValues } from '../../onnx/tensor.js';
import { DATA_TYPE, int64ToNumber, type GraphProto, type TensorProto } from '../../onnx/types.js';
import type { RuleContext } from '../types.js';

const INT_TYPES: ReadonlySet<number> = new Set([DATA_TYPE.int64, DATA_TYPE.int32]);

/** A reader of the graph's constant int tensors by name (undefined for anything else). */
export function constantIntReader(graph: GraphProto): (name: string) => number[] | undefined {
  const tensors = new Map<string, TensorProto>();
  const lists = new Map<string, number[]>();
  for (const t of graph.initializer ?? []) if (t.name) tensors.set(t.name, t);
  for (const node of graph.node ?? []) {
    const out = node.output?.[0];
    if (node.opType !== 'Constant' || (node.domain ?? '') !== '' || !out) continue;
    for (const a of node.attribute ?? []) {
      if (a.name === 'value' && a.t) tensors.set(out, a.t);
      else if (a.name === 'value_ints' && a.ints) lists.set(out, a.ints.map(int64ToNumber));
      else if (a.name === 'value_int' && a.i !== undefined) lists.set(out, [int64ToNumber(a.i)]);
    }
  }
  return (name) => {
    const list = lists.get(name);
    if (list) return [...list];
    const t = tensors.get(name);
    return t && INT_TYPES.has(t.dataType ?? 0) ? tensorValues(t) : undefined;
  };
}

/** The values of int input `index` of the node; a one-line error when it is computed at run time. */
export function requireInts(ctx: RuleContext, index: number, what: string): number[] {
  const values = ctx.emit.constantInts(ctx.inputs[index] ?? '');
  if (!values) throw new NeurolensError('model', gradMessages.notConstant(ctx.node.opType ?? '', nodeLabel(ctx), what));
  return values;
}

/** A dim of an axis the rule needs as a number; a one-line error when only known at run time. */
export function staticDim(ctx: RuleContext, tensor: string, axis: number): number {
  const d = ctx.emit.dims(tensor)[axis];
  if (typeof d !== 'number') throw new NeurolensError('model', gradMessages.dynamicAxis(ctx.node.opType ?? '', nodeLabel(ctx), axis));
  return d;
}

/** The node's name for messages (its op type when unnamed). */
export function nodeLabel(ctx: RuleContext): string {
  return ctx.node.name || ctx.node.opType || '?';
}

/** `axis` in [0, rank) (ONNX axes may count from the end). */
export function normalizeAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

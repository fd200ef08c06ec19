/** Shared cases of the ReduceSum and ReduceMean checks: axes by attribute or input, keepdims, all axes, noop. */
import type { GraphBuilder } from '../../../src/onnx/builder.js';

export interface ReduceCase {
  title: string;
  opset: number;
  build: (b: GraphBuilder) => string;
}

/** Cases for `op` on a [2, 3, 4] input; `inputOpset`: the first opset taking axes as an input. */
export function reduceCases(op: string, inputOpset: number): ReduceCase[] {
  const old = inputOpset - 2;
  const attrForm = (axes: number[] | undefined, keepdims: number) => (b: GraphBuilder) =>
    b.node(op, ['x'], { keepdims, ...(axes ? { axes } : {}) });
  const inputForm = (axes: number[] | undefined, keepdims: number, noop = 0) => (b: GraphBuilder) =>
    b.node(op, axes ? ['x', b.int64s(`axes_${axes.join('_')}`, axes)] : ['x'], { keepdims, noop_with_empty_axes: noop });
  return [
    { title: `axes attribute (opset ${old}), keepdims 1`, opset: old, build: attrForm([1], 1) },
    { title: `axes attribute (opset ${old}), keepdims 0, negative and unsorted axes`, opset: old, build: attrForm([-1, 0], 0) },
    { title: `axes attribute omitted (opset ${old}): every axis, keepdims 0`, opset: old, build: attrForm(undefined, 0) },
    { title: `axes input (opset ${inputOpset}), keepdims 1`, opset: inputOpset, build: inputForm([2], 1) },
    { title: `axes input (opset ${inputOpset}), keepdims 0, two axes`, opset: inputOpset, build: inputForm([0, -1], 0) },
    { title: `axes input omitted (opset ${inputOpset}): every axis, keepdims 0`, opset: inputOpset, build: inputForm(undefined, 0) },
    { title: `axes input omitted, keepdims 1`, opset: inputOpset, build: inputForm(undefined, 1) },
    { title: `axes input empty with noop_with_empty_axes 1: the identity`, opset: inputOpset, build: inputForm([], 1, 1) },
  ];
}

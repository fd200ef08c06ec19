/**
 * Reverse-mode autodiff over an ONNX graph: the backward nodes are appended to the model, which
 * then takes one seed input per target and outputs, for each wrt tensor, its forward value and
 * its gradient (see types.ts for what is differentiated). The model passed in is not modified.
 *
 * Rules run in reverse graph order over the planned nodes (plan.ts); cotangents reaching a tensor
 * along several consumers are summed.
 */
import { NeurolensError } from '../errors.js';
import { gradMessages } from '../messages/grad.js';
import { makeValueInfo } from '../onnx/builder.js';
import { opsetOf, uniqueName, usedNames } from '../onnx/graph.js';
import { DATA_TYPE, int64ToNumber, type AttributeProto, type ModelProto, type NodeProto } from '../onnx/types.js';
import { Emitter } from './emit.js';
import { planGradient, type GradientPlan } from './plan.js';
import { constantIntReader } from './rules/constants.js';
import { builtinRule, supportedOps } from './rules/index.js';
import type { AttrReader, Dims, GradientGraphNames, GradientSpec, VjpRule } from './types.js';

/** Dims and onnxruntime element type of every tensor the plan needs. */
export interface TensorFacts {
  dims: ReadonlyMap<string, Dims>;
  types: ReadonlyMap<string, string>;
}

export interface GradientGraph {
  model: ModelProto;
  names: GradientGraphNames;
  /** The float type of the differentiated tensors ('float32' or 'float64'). */
  dtype: 'float32' | 'float64';
  /** Probed dims of each target tensor (batch dim symbolic). */
  targetDims: Dims[];
}

/** The rule `spec` uses for `op`: its override, else the built-in one. */
function ruleFor(spec: GradientSpec, op: string): VjpRule | undefined {
  return spec.rules?.[op] ?? builtinRule(op);
}

/** Builds the gradient model; `facts` must cover planGradient(model, spec).tensors. */
export function buildGradientGraph(model: ModelProto, spec: GradientSpec, facts: TensorFacts): GradientGraph {
  const plan = planGradient(model, spec, facts.types);
  checkPlan(plan, spec, facts);
  const graph = model.graph!;
  const typeName = facts.types.get(spec.targets[0]!.tensor) === 'float64' ? 'float64' : 'float32';
  const dtype = typeName === 'float64' ? DATA_TYPE.float64 : DATA_TYPE.float32;
  const usedTensors = usedNames(graph);
  const usedNodes = new Set((graph.node ?? []).map((n) => n.name ?? '').filter((n) => n !== ''));
  const dims = new Map(facts.dims);
  const emit = new Emitter(opsetOf(model), dtype, dims, usedTensors, usedNodes, constantIntReader(graph));
  const cotangents = new Map<string, string[]>();
  const add = (tensor: string, grad: string) => {
    const list = cotangents.get(tensor);
    if (list) list.push(grad);
    else cotangents.set(tensor, [grad]);
  };
  const total = (tensor: string): string | undefined => {
    const list = cotangents.get(tensor);
    if (!list || list.length === 0) return undefined;
    if (list.length === 1) return list[0];
    const sum = emit.node('Sum', list);
    cotangents.set(tensor, [sum]);
    return sum;
  };

  // Seeds, and the forward softmax of targets that ask for one.
  const forward: NodeProto[] = [];
  const inputs = [];
  const names: GradientGraphNames = { seeds: [], targetValues: [], grads: {}, values: {} };
  const extraNodes: number[] = [];
  const targetDims: Dims[] = [];
  for (const [k, target] of spec.targets.entries()) {
    const targetDimsK = dims.get(target.tensor)!;
    let value = target.tensor;
    if (target.softmax) {
      value = uniqueName(`${target.tensor}__softmax`, usedTensors);
      const node: NodeProto = {
        name: uniqueName(`neurolens/grad/softmax/${target.tensor}`, usedNodes),
        opType: 'Softmax',
        input: [target.tensor],
        output: [value],
        attribute: [{ name: 'axis', type: 2, i: targetDimsK.length - 1 }],
      };
      forward.push(node);
      dims.set(value, targetDimsK);
      extraNodes.push(forward.length - 1);
    }
    if (target.argmax) {
      if (targetDimsK.length !== 2) throw new NeurolensError('usage', gradMessages.argmaxRank(target.tensor, targetDimsK));
      if (emit.opset < 11) throw new NeurolensError('model', gradMessages.argmaxOpset(emit.opset));
      names.seeds.push('');
      add(value, argmaxSeed(emit, value, targetDimsK[1] as number));
    } else {
      const seed = uniqueName(`neurolens_seed_${k}`, usedTensors);
      inputs.push(makeValueInfo(seed, dtype, targetDimsK));
      names.seeds.push(seed);
      add(value, seed);
    }
    targetDims.push(targetDimsK);
    names.targetValues.push(identity(emit, value, `neurolens_target_${k}`, usedTensors));
  }

  // The backward pass: the appended softmax nodes first (they come last in the forward order).
  const active = new Set(plan.active);
  const backward = [...forward.slice().reverse(), ...plan.nodes.slice().reverse().map((i) => plan.index.nodes[i]!)];
  for (const s of forward) active.add(s.output![0]!);
  for (const node of backward) {
    const outputs = node.output ?? [];
    const grads = outputs.map(total);
    if (grads.every((g) => g === undefined)) continue;
    const nodeInputsList = node.input ?? [];
    const needs = nodeInputsList.map((name) => name !== '' && active.has(name));
    if (!needs.some(Boolean)) continue;
    const rule = ruleFor(spec, node.opType ?? '')!;
    emit.scope = node.name || node.opType || 'node';
    const results = rule({ node, inputs: nodeInputsList, outputs, grads, needs, emit, attr: attrReader(node.attribute ?? []) });
    results.forEach((g, i) => {
      if (g !== undefined && needs[i]) add(nodeInputsList[i]!, g);
    });
  }

  const outputs = [...(graph.output ?? [])];
  for (const [k] of spec.targets.entries()) outputs.push(makeValueInfo(names.targetValues[k]!, dtype));
  for (const [j, wrt] of spec.wrt.entries()) {
    const grad = total(wrt);
    if (grad === undefined) throw new NeurolensError('usage', gradMessages.noPath(spec.targets[0]!.tensor, wrt));
    emit.scope = 'out';
    names.grads[wrt] = identity(emit, grad, `neurolens_grad_${j}`, usedTensors);
    names.values[wrt] = identity(emit, wrt, `neurolens_value_${j}`, usedTensors);
    // A wrt tensor may hold another float type than the path when a Cast follows it.
    const wrtType = facts.types.get(wrt) === 'float64' ? DATA_TYPE.float64 : DATA_TYPE.float32;
    outputs.push(makeValueInfo(names.grads[wrt]!, wrtType), makeValueInfo(names.values[wrt]!, wrtType));
  }
  const rewritten = {
    ...graph,
    node: [...(graph.node ?? []), ...forward, ...emit.nodes],
    initializer: [...(graph.initializer ?? []), ...emit.initializers],
    input: [...(graph.input ?? []), ...inputs],
    output: outputs,
  };
  return { model: { ...model, graph: rewritten }, names, dtype: typeName, targetDims };
}

/** One-hot rows [batch, classes] at each row's first largest value of `value`: OneHot(ArgMax(value)). */
function argmaxSeed(emit: Emitter, value: string, classes: number): string {
  emit.scope = 'seed';
  const index = emit.node('ArgMax', [value], { axis: 1, keepdims: 0 });
  return emit.node('OneHot', [index, emit.int64s([classes]), emit.constant([0, 1], [2])], { axis: 1 });
}

/** An Identity copy of `tensor` under a fresh name built from `base` (graph outputs must be node outputs). */
function identity(emit: Emitter, tensor: string, base: string, used: Set<string>): string {
  const name = uniqueName(base, used);
  emit.nodes.push({ name: `neurolens/grad/out/${name}`, opType: 'Identity', input: [tensor], output: [name] });
  return name;
}

function checkPlan(plan: GradientPlan, spec: GradientSpec, facts: TensorFacts): void {
  for (const w of spec.wrt) {
    const type = facts.types.get(w) ?? 'unknown';
    if (type !== 'float32' && type !== 'float64') throw new NeurolensError('usage', gradMessages.notFloat(w, type));
  }
  for (const t of spec.targets) {
    const type = facts.types.get(t.tensor) ?? 'unknown';
    if (type !== 'float32' && type !== 'float64') throw new NeurolensError('usage', gradMessages.targetNotFloat(t.tensor, type));
  }
  const dtype = facts.types.get(spec.targets[0]!.tensor);
  for (const i of plan.nodes) {
    const node = plan.index.nodes[i]!;
    const op = node.opType ?? '';
    const domain = node.domain ?? '';
    if ((domain !== '' && domain !== 'ai.onnx') || !ruleFor(spec, op)) {
      throw new NeurolensError('model', gradMessages.unsupportedOp(op, node.name || `#${i}`, supportedOps()));
    }
    for (const out of node.output ?? []) {
      const type = facts.types.get(out);
      if (plan.active.has(out) && type !== undefined && type !== dtype) throw new NeurolensError('model', gradMessages.mixedTypes(out, type, dtype ?? '?'));
    }
  }
}

function attrReader(attributes: readonly AttributeProto[]): AttrReader {
  const get = (name: string) => attributes.find((a) => a.name === name);
  return {
    has: (name) => get(name) !== undefined,
    int: (name, fallback) => {
      const a = get(name);
      return a?.i !== undefined ? int64ToNumber(a.i) : fallback;
    },
    ints: (name, fallback) => {
      const a = get(name);
      return a?.ints ? a.ints.map(int64ToNumber) : [...fallback];
    },
    float: (name, fallback) => get(name)?.f ?? fallback,
    string: (name, fallback) => {
      const s = get(name)?.s;
      return s ? new TextDecoder().decode(s) : fallback;
    },
  };
}

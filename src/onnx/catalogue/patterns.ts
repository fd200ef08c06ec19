/**
 * Composite elementwise functions written out as several nodes: GELU (x/√2 → Erf → +1 → ·x → ·½,
 * in either Mul order), tanh-GELU, quick-GELU x·σ(1.702x), SiLU x·σ(x), Mish, hard-swish, and
 * LayerNorm/RMSNorm spelled with ReduceMean. Each is ONE function of one tensor, so only its final
 * output is a layer; the intermediates (x/√2, erf(·), …) are not neurons anyone asked for.
 *
 * Recognition is structural, not by name: a pattern rooted at tensor r is the largest set P of
 * PATTERN_OPS nodes downstream of r whose computed inputs are all r or outputs of P, where r feeds at
 * least two nodes of P (the fan-out that distinguishes x·f(x) from a plain chain like BN → ReLU) and
 * exactly one tensor of P is read outside P. That tensor is the pattern's output, after trimming
 * trailing single-input ops other than constant scales/shifts (so a mean-pool or ReLU applied to a
 * written-out LayerNorm stays a layer of its own).
 */
import { tensorValues } from '../tensor.js';
import type { GraphFacts } from './domains.js';
import { GELU_OPS, PATTERN_OPS } from './ops.js';

export type PatternKind = 'gelu' | 'activation' | 'norm';

export interface Pattern {
  root: string;
  output: string;
  /** Node indices in the pattern. */
  nodes: number[];
  kind: PatternKind;
}

export interface Patterns {
  /** Pattern by output tensor. */
  byOutput: Map<string, Pattern>;
  /** Pattern by root tensor. */
  byRoot: Map<string, Pattern>;
  /** Tensors computed inside a pattern and read only by it. */
  internal: Set<string>;
  /** Nodes inside some pattern. */
  nodes: Set<number>;
}

export function findPatterns(facts: GraphFacts): Patterns {
  const { nodes, index } = facts;
  const result: Patterns = { byOutput: new Map(), byRoot: new Map(), internal: new Set(), nodes: new Set() };
  const patternOp = (i: number) => PATTERN_OPS.has(nodes[i]!.opType ?? '') && !facts.isStatic(nodes[i]!.output?.[0] ?? '');
  for (const [root, readers] of index.consumers) {
    if (facts.isStatic(root)) continue;
    const first = [...new Set(readers)].filter(patternOp);
    if (first.length < 2) continue;
    const pattern = grow(facts, root, first, patternOp);
    if (!pattern) continue;
    // A written-out LayerNorm also holds a smaller pattern rooted at x − mean; keep the whole one.
    const known = result.byOutput.get(pattern.output);
    if (!known || known.nodes.length < pattern.nodes.length) result.byOutput.set(pattern.output, pattern);
    result.byRoot.set(root, pattern);
    for (const i of pattern.nodes) {
      result.nodes.add(i);
      for (const name of nodes[i]!.output ?? []) if (name !== pattern.output) result.internal.add(name);
    }
  }
  return result;
}

function grow(facts: GraphFacts, root: string, first: number[], patternOp: (i: number) => boolean): Pattern | undefined {
  const { nodes, index } = facts;
  const inside = new Set<number>();
  const made = new Set<string>([root]);
  // Candidates in topological order: a node joins only when all its computed inputs are known.
  const queue = new Set(first);
  const pending = () => [...queue].sort((a, b) => a - b);
  for (let guard = 0; queue.size > 0 && guard < 64; guard++) {
    let progressed = false;
    for (const i of pending()) {
      queue.delete(i);
      if (!facts.dynamicInputs(i).every((name) => made.has(name))) continue;
      inside.add(i);
      progressed = true;
      for (const name of nodes[i]!.output ?? []) {
        made.add(name);
        for (const reader of index.consumers.get(name) ?? []) if (!inside.has(reader) && patternOp(reader)) queue.add(reader);
      }
    }
    if (!progressed) break;
  }
  if (new Set((index.consumers.get(root) ?? []).filter((i) => inside.has(i))).size < 2) return undefined;
  const escaping = [...inside].flatMap((i) => (nodes[i]!.output ?? []).filter((name) => {
    if (name === '') return false;
    if (index.outputs.has(name)) return true;
    return (index.consumers.get(name) ?? []).some((reader) => !inside.has(reader));
  }));
  if (escaping.length !== 1) return undefined;
  // The function ends where its branches have joined and constant scales/shifts are applied (GELU's
  // ·½, LayerNorm's ·γ+β); a further single-input op (mean pooling, a ReLU) is a layer of its own.
  let output = escaping[0]!;
  for (;;) {
    const last = index.producers.get(output)!;
    const inputs = [...new Set(facts.dynamicInputs(last))];
    if (inputs.length !== 1 || inputs[0] === root || isConstantAffine(facts, last)) break;
    inside.delete(last);
    output = inputs[0]!;
  }
  if (new Set((index.consumers.get(root) ?? []).filter((i) => inside.has(i))).size < 2) return undefined;
  const members = [...inside].sort((a, b) => a - b);
  return { root, output, nodes: members, kind: classify(facts, members) };
}

function isConstantAffine(facts: GraphFacts, i: number): boolean {
  const node = facts.nodes[i]!;
  return ['Add', 'Sub', 'Mul', 'Div'].includes(node.opType ?? '') && (node.input ?? []).some((name) => name !== '' && facts.isStatic(name));
}

/** What a pattern computes, from the ops it uses. */
function classify(facts: GraphFacts, members: number[]): PatternKind {
  const ops = members.map((i) => facts.nodes[i]!.opType ?? '');
  const count = (op: string) => ops.filter((o) => o === op).length;
  if (ops.includes('ReduceMean')) return 'norm';
  if (ops.includes('Erf')) return 'gelu';
  // tanh-GELU: ½x(1 + tanh(√(2/π)(x + 0.044715x³))) — a cube (Pow or x·x·x) inside tanh; Mish has tanh∘softplus.
  if (ops.includes('Tanh') && !ops.includes('Softplus') && (ops.includes('Pow') || count('Mul') >= 4)) return 'gelu';
  // quick-GELU (CLIP): x·σ(1.702x), a scale of about 1.702 before the sigmoid.
  if (ops.includes('Sigmoid') && members.some((i) => hasScalar(facts, i, (v) => Math.abs(v - 1.702) < 0.01))) return 'gelu';
  return 'activation';
}

function hasScalar(facts: GraphFacts, i: number, test: (value: number) => boolean): boolean {
  const node = facts.nodes[i]!;
  if (node.opType !== 'Mul') return false;
  return (node.input ?? []).some((name) => {
    const tensor = facts.constants.get(name);
    if (!tensor) return false;
    try {
      const values = tensorValues(tensor);
      return values.length === 1 && test(values[0]!);
    } catch {
      return false;
    }
  });
}

/** Whether tensor `name` is a GELU output: a GELU op, or the end of a written-out GELU. */
export function isGelu(facts: GraphFacts, patterns: Patterns, name: string): boolean {
  const producer = facts.index.producers.get(name);
  if (producer !== undefined && GELU_OPS.has(facts.nodes[producer]!.opType ?? '')) return true;
  return patterns.byOutput.get(name)?.kind === 'gelu';
}

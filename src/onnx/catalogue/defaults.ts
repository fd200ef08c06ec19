/**
 * Default analysis layers: the few layers worth analysing first, one per block or stage.
 *
 *  - Transformers: each token-layer GELU output — the MLP hidden neurons of every block (the GELU
 *    op, or a written-out erf/tanh/sigmoid GELU; see patterns.ts).
 *  - Residual CNNs (the feature part holds residual Adds: Add/Sum of ≥ 2 computed tensors giving a
 *    feature map):
 *    each residual block's output — the activation applied to the Add when the Add is read only by
 *    that activation (a single op or a written-out one such as SiLU), else the Add itself.
 *  - Plain CNNs (neither of the above, no token layers): each stage's post-activation output, a stage
 *    being a run of consecutive feature maps of one spatial size — i.e. the last activation before
 *    each downsampling and before global pooling (a Concat of activations, as Inception blocks end,
 *    counts as one).
 *    Channels-last residual streams (Swin, [N,H,W,C]) count too; a block holding two such Adds
 *    (attention and MLP residuals) contributes only its last, the block output.
 *  - Multi-branch CNNs: each Concat that joins parallel branches (Inception blocks, dense blocks),
 *    counted like a residual block's output.
 *  - Otherwise: the last feature/token layer of each block, with a note saying so.
 * CNN defaults always lie on every path from the image to the outputs (dominators.ts): never a
 * tensor inside one of several parallel branches, so consecutive defaults can be cut apart.
 * The first two are combined, so a hybrid (conv stem with residual blocks + transformer) gets both.
 */
import type { GraphFacts } from './domains.js';
import { outputDominators } from './dominators.js';
import type { NamedLayer } from './layers.js';
import { ACTIVATION_OPS } from './ops.js';
import { isGelu, type Patterns } from './patterns.js';

export interface DefaultChoice {
  tensors: Set<string>;
  notes: string[];
}

export function chooseDefaults(facts: GraphFacts, patterns: Patterns, layers: readonly NamedLayer[]): DefaultChoice {
  const byTensor = new Map(layers.map((l) => [l.tensor, l] as const));
  const onEveryPath = outputDominators(facts);
  const tensors = new Set<string>();
  for (const layer of layers) if (layer.kind === 'tokens' && isGelu(facts, patterns, layer.tensor)) tensors.add(layer.tensor);
  const lastInBlock = new Map<string, NamedLayer>();
  for (const choices of [...residualOutputs(facts, patterns), ...branchJoins(facts, patterns, onEveryPath)]) {
    const chosen = choices.map((name) => byTensor.get(name)).find((l) => l?.kind === 'feature' && onEveryPath.has(l.tensor));
    if (!chosen) continue;
    // A channels-last block with an attention and an MLP residual (Swin) gives one default: its output.
    const previous = chosen.layout === 'NHWC' && chosen.block !== '' ? lastInBlock.get(chosen.block) : undefined;
    if (previous && previous.node < chosen.node) tensors.delete(previous.tensor);
    if (previous && previous.node > chosen.node) continue;
    if (chosen.layout === 'NHWC') lastInBlock.set(chosen.block, chosen);
    tensors.add(chosen.tensor);
  }
  if (tensors.size === 0 && !layers.some((l) => l.kind === 'tokens')) {
    for (const output of stageOutputs(facts, patterns, layers.filter((l) => onEveryPath.has(l.tensor)))) tensors.add(output);
  }
  if (tensors.size > 0) return { tensors, notes: [] };

  const lastOfBlock = new Map<string, string>();
  for (const layer of layers) if (layer.kind !== 'vector') lastOfBlock.set(layer.block, layer.tensor);
  return {
    tensors: new Set(lastOfBlock.values()),
    notes: [
      'no default-layer rule matched (no transformer GELU MLPs, residual blocks or activations between downsamplings); the last feature/token layer of each block is marked default',
    ],
  };
}

/**
 * Whether tensor `name` is an activation output: a single activation op, a written-out one, or a
 * Concat of activation outputs (an Inception block's output is as "post-activation" as its branches).
 */
function isActivation(facts: GraphFacts, patterns: Patterns, name: string, depth = 0): boolean {
  const producer = facts.index.producers.get(name);
  if (producer === undefined) return false;
  const op = facts.nodes[producer]!.opType ?? '';
  if (ACTIVATION_OPS.has(op)) return true;
  const kind = patterns.byOutput.get(name)?.kind;
  if (kind === 'activation' || kind === 'gelu') return true;
  const inputs = facts.dynamicInputs(producer);
  return op === 'Concat' && depth < 8 && inputs.length > 0 && inputs.every((input) => isActivation(facts, patterns, input, depth + 1));
}

/** For each residual Add of feature maps: [the activation output that alone reads it, the Add], or [the Add]. */
function residualOutputs(facts: GraphFacts, patterns: Patterns): string[][] {
  const outputs: string[][] = [];
  facts.nodes.forEach((node, i) => {
    const op = node.opType ?? '';
    const sum = node.output?.[0];
    if ((op !== 'Add' && op !== 'Sum') || !sum || patterns.nodes.has(i)) return;
    // The sum of two or more computed tensors in the feature domain (one side may come back from a
    // channels-last detour, as in ConvNeXt, so only the sum's domain is checked).
    if (new Set(facts.dynamicInputs(i)).size < 2 || (facts.domain.get(sum) !== 'spatial' && !facts.channelsLast.has(sum))) return;
    const readers = [...new Set(facts.index.consumers.get(sum) ?? [])];
    const pattern = patterns.byRoot.get(sum);
    let output = sum;
    if (readers.length === 1 && isActivation(facts, patterns, facts.nodes[readers[0]!]!.output?.[0] ?? '')) {
      output = facts.nodes[readers[0]!]!.output![0]!;
    } else if (pattern && pattern.kind !== 'norm' && readers.every((r) => pattern.nodes.includes(r))) {
      output = pattern.output;
    }
    outputs.push(output === sum ? [sum] : [output, sum]);
  });
  return outputs;
}

/**
 * For each Concat that joins parallel branches of feature maps (an Inception block's output, a
 * dense block's last concatenation): [the activation output that alone reads it, the Concat], or
 * [the Concat]. A join is a Concat on every path to the outputs with an input that is not.
 */
function branchJoins(facts: GraphFacts, patterns: Patterns, onEveryPath: ReadonlySet<string>): string[][] {
  const outputs: string[][] = [];
  facts.nodes.forEach((node, i) => {
    const joined = node.output?.[0];
    if (node.opType !== 'Concat' || !joined || facts.domain.get(joined) !== 'spatial' || !onEveryPath.has(joined)) return;
    const inputs = [...new Set(facts.dynamicInputs(i))];
    if (inputs.length < 2 || inputs.every((input) => onEveryPath.has(input))) return;
    const readers = [...new Set(facts.index.consumers.get(joined) ?? [])];
    const after = readers.length === 1 ? facts.nodes[readers[0]!]!.output?.[0] : undefined;
    outputs.push(after && isActivation(facts, patterns, after) ? [after, joined] : [joined]);
  });
  return outputs;
}

/** The last activation of each run of consecutive feature maps of one spatial size. */
function stageOutputs(facts: GraphFacts, patterns: Patterns, layers: readonly NamedLayer[]): string[] {
  const outputs: string[] = [];
  let size = '';
  let lastActivation: string | undefined;
  const close = () => {
    if (lastActivation) outputs.push(lastActivation);
    lastActivation = undefined;
  };
  for (const layer of layers) {
    if (layer.kind !== 'feature') continue;
    const key = layer.spatial!.join('x');
    if (key !== size) close();
    size = key;
    if (isActivation(facts, patterns, layer.tensor)) lastActivation = layer.tensor;
  }
  close();
  return outputs;
}

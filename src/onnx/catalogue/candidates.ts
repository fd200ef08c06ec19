/**
 * Candidate layers: the tensors worth probing, chosen from the graph's structure alone. Shapes
 * (known only after probing, see layers.ts) then decide the kind and drop what does not fit.
 *
 * A node's first output is a candidate when it is
 *  - in the spatial or neuron domain (domains.ts) — so not a weight, shape, pre-Conv pixel value
 *    or attention internal;
 *  - computed, not re-arranged: not the output of a layout op (Reshape, Transpose, Gather, …)
 *    except a Concat of feature maps;
 *  - a neuron value: not Softmax probabilities, indices, masks (NOT_LAYER_OPS);
 *  - not an intermediate of a written-out activation or norm (patterns.ts);
 *  - not the raw product of a linear op whose only reader adds its bias: the biased tensor
 *    (MatMul → Add) is the layer, listing both would repeat the same neurons.
 */
import type { Domain, GraphFacts } from './domains.js';
import { BIASED_OPS, NOT_LAYER_OPS } from './ops.js';
import type { Patterns } from './patterns.js';

export interface Candidate {
  tensor: string;
  /** Index of the producing node in topological order. */
  node: number;
  domain: 'spatial' | 'neuron';
}

export function findCandidates(facts: GraphFacts, patterns: Patterns): Candidate[] {
  const { nodes, index } = facts;
  const found: Candidate[] = [];
  nodes.forEach((node, i) => {
    const tensor = node.output?.[0];
    if (!tensor) return;
    const domain = facts.domain.get(tensor);
    if (domain !== 'spatial' && domain !== 'neuron') return;
    const op = node.opType ?? '';
    if (facts.layout.has(i) || NOT_LAYER_OPS.has(op) || patterns.internal.has(tensor)) return;
    if (BIASED_OPS.has(op) && !index.outputs.has(tensor)) {
      const readers = [...new Set(index.consumers.get(tensor) ?? [])];
      const reader = readers.length === 1 ? readers[0]! : undefined;
      if (reader !== undefined && nodes[reader]!.opType === 'Add' && facts.dynamicInputs(reader).every((n) => n === tensor)) return;
    }
    found.push({ tensor, node: i, domain });
  });
  return found;
}

/**
 * For every computed tensor outside the spatial domain, the feature map it was re-arranged from
 * (the patch-embedding Conv output for a ViT's tokens): spatial tensors are their own source,
 * others inherit the first source among their computed inputs.
 */
export function gridSources(facts: GraphFacts): Map<string, string> {
  const source = new Map<string, string>();
  facts.nodes.forEach((node, i) => {
    const outputs = (node.output ?? []).filter((name) => name !== '');
    for (const name of outputs) {
      const domain: Domain | undefined = facts.domain.get(name);
      if (domain === 'spatial') {
        source.set(name, name);
        continue;
      }
      if (domain === 'static' || domain === 'pixels') continue;
      const from = facts.dynamicInputs(i).map((input) => source.get(input)).find((s) => s !== undefined);
      if (from !== undefined) source.set(name, from);
    }
  });
  return source;
}

/**
 * Tensors that lie on every path from the image to the model's outputs (the dominators of the
 * outputs in the data-flow graph). A block output of a multi-branch network — the Concat after
 * parallel branches, a residual Add — is one; a tensor inside one branch is not, because the other
 * branches bypass it. Only values flow along edges: shape computations (static domain) are no path.
 */
import type { GraphFacts } from './domains.js';

const ROOT = '';

export function outputDominators(facts: GraphFacts): Set<string> {
  // Immediate dominator and depth in the dominator tree, per tensor reached from the inputs.
  const idom = new Map<string, string>([[ROOT, ROOT]]);
  const depth = new Map<string, number>([[ROOT, 0]]);
  for (const name of facts.index.inputs) {
    idom.set(name, ROOT);
    depth.set(name, 1);
  }
  const meet = (a: string, b: string): string => {
    while (a !== b) {
      if (depth.get(a)! >= depth.get(b)!) a = idom.get(a)!;
      else b = idom.get(b)!;
    }
    return a;
  };
  // Nodes are topologically sorted, so every predecessor is placed before its readers.
  facts.nodes.forEach((node, i) => {
    const preds = [...new Set(facts.dynamicInputs(i))].filter((name) => idom.has(name));
    if (preds.length === 0) return;
    const dominator = preds.reduce(meet);
    // One input: the output hangs below it; several: below the nearest tensor all of them share.
    for (const name of node.output ?? []) {
      if (name === '' || idom.has(name)) continue;
      idom.set(name, dominator);
      depth.set(name, depth.get(dominator)! + 1);
    }
  });

  let common: Set<string> | undefined;
  for (const output of facts.index.outputs) {
    if (!idom.has(output)) continue;
    const chain = new Set<string>();
    for (let t = output; t !== ROOT; t = idom.get(t)!) chain.add(t);
    common = common ? new Set([...common].filter((t) => chain.has(t))) : chain;
  }
  return common ?? new Set();
}

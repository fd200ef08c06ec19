/**
 * Readable layer ids and blocks from node names.
 *
 * Module path. torch.onnx.export names a node after the module scopes it ran in plus its own op
 * name: '/layer3/layer3.1/relu_1/Relu'. Split on '/', drop the empty first component and the last
 * one (the op: 'Relu', 'Add_1'), drop a component that is a prefix of the next ('layer3' before
 * 'layer3.1'), join with '.', and drop a word that repeats the one before it (exporters that write
 * each scope's qualified name produce 'features.features.0'; repeated numbers such as
 * 'features.0.0' are real nesting and stay). The dynamo exporter's 'pkg.torch.onnx.name_scopes'
 * metadata, when present, gives the module path directly. A name without '/' (e.g. 'Conv_3') is
 * anonymous.
 *
 * Blocks. A node belongs to the deepest module on its path that directly holds a merge — a residual
 * Add/Sum or a Concat of computed tensors (ResNet 'layer3.1', ViT 'blocks.5', DenseNet
 * 'denselayer4', Inception 'Mixed_5b'); failing that, to the shallowest module whose name ends in a
 * number and that holds two or more computed nodes (MobileNet 'features.2', a 'conv1' Sequential);
 * failing that (plain CNNs such as VGG, whose numbered modules are single ops, and anonymous graphs)
 * layers are grouped into stages — runs of consecutive unblocked layers of one kind and size —
 * by the caller (layers.ts).
 *
 * Ids. A layer's id is its module path ('layer3.1.conv1', 'blocks.5.mlp.act'); a node directly in
 * its block's scope (the residual Add) gets 'block.<op name>' ('layer3.1.add'); the block output —
 * the block's last layer in topological order — gets the bare block id ('layer3.1'). Root-level
 * nodes ('/Add') use their op name ('add'); anonymous nodes '<opType>_<k>' with k counting that op
 * type over the whole graph in topological order (stable whatever the candidate rules). Repeats get
 * '#2', '#3', … in topological order.
 */
import type { NodeProto } from '../types.js';
import type { GraphFacts } from './domains.js';
import { MERGE_OPS } from './ops.js';
import type { Patterns } from './patterns.js';

export interface NodeName {
  /** Module path segments; [] for root-level nodes; null for anonymous nodes. */
  path: string[] | null;
  /** The node's own name within its scope, lower-cased ('add_1'), or the fallback id when anonymous. */
  leaf: string;
}

export function parseNodeName(node: NodeProto, fallback: string): NodeName {
  const scopes = (node.metadataProps ?? []).find((p) => p.key === 'pkg.torch.onnx.name_scopes')?.value;
  if (scopes) {
    const items = [...scopes.matchAll(/'([^']*)'|"([^"]*)"/g)].map((m) => m[1] ?? m[2] ?? '');
    if (items.length > 0) return { path: segments([items[items.length - 1]!]), leaf: (node.opType ?? 'op').toLowerCase() };
  }
  const name = node.name ?? '';
  if (!name.includes('/')) return { path: null, leaf: fallback };
  const components = name.split('/');
  if (components[0] === '') components.shift();
  const leaf = (components.pop() || node.opType || 'op').toLowerCase();
  const kept = components.filter((c, i) => c !== '' && !(components[i + 1] ?? '').startsWith(`${c}.`));
  return { path: segments(kept), leaf };
}

function segments(components: string[]): string[] {
  const words = components.join('.').split('.').filter((w) => w !== '');
  return words.filter((w, i) => i === 0 || w !== words[i - 1] || /^\d+$/.test(w));
}

/** Fallback ids '<opType>_<k>' for every node, k counting that op type in topological order. */
export function fallbackIds(nodes: readonly NodeProto[]): string[] {
  const counts = new Map<string, number>();
  return nodes.map((node) => {
    const op = node.opType || 'Op';
    const k = counts.get(op) ?? 0;
    counts.set(op, k + 1);
    return `${op}_${k}`;
  });
}

export interface BlockFinder {
  /** The block (module path key) a node belongs to by name, or undefined. */
  blockOf(path: string[] | null): string | undefined;
}

export function blockFinder(facts: GraphFacts, patterns: Patterns, names: readonly NodeName[]): BlockFinder {
  const mergeModules = new Set<string>();
  const computedNodes = new Map<string, number>();
  facts.nodes.forEach((node, i) => {
    const path = names[i]!.path;
    if (!path || path.length === 0) return;
    const out = node.output?.[0] ?? '';
    const domain = facts.domain.get(out);
    if (domain === undefined || domain === 'static') return;
    for (let k = 1; k <= path.length; k++) {
      const key = path.slice(0, k).join('.');
      computedNodes.set(key, (computedNodes.get(key) ?? 0) + 1);
    }
    const isMerge = MERGE_OPS.has(node.opType ?? '') && new Set(facts.dynamicInputs(i)).size >= 2
      && !patterns.nodes.has(i) && (domain === 'spatial' || domain === 'neuron');
    if (isMerge) mergeModules.add(path.join('.'));
  });
  return {
    blockOf(path) {
      if (!path || path.length === 0) return undefined;
      for (let k = path.length; k >= 1; k--) {
        const key = path.slice(0, k).join('.');
        if (mergeModules.has(key)) return key;
      }
      for (let k = 1; k <= path.length; k++) {
        const key = path.slice(0, k).join('.');
        if (/\d$/.test(path[k - 1]!) && (computedNodes.get(key) ?? 0) >= 2) return key;
      }
      return undefined;
    },
  };
}

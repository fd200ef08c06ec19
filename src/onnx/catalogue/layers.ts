/**
 * From probed candidates to layers: the kind from the rank (and domain), ids and blocks.
 *
 * Kinds (the first dim must be the model's batch dim, every other dim known, elements float):
 *  - rank 4 in the spatial domain: [N,C,H,W] 'feature', or 'vector' when H = W = 1 (a pooled map);
 *  - rank 4 channels-last (domains.ts): [N,H,W,C] 'feature' with layout 'NHWC' (H = W = 1 is
 *    skipped: a pooled map is listed once it is flattened);
 *  - rank 3 in the neuron domain: [N,T,D] 'tokens' (other rank-4 non-spatial tensors, e.g.
 *    attention maps, and rank-3 spatial ones are not layers);
 *  - rank 2: [N,D] 'vector' (pooled features, MLP-head activations, logits).
 */
import type { ProbedTensor } from '../../runtime/probe.js';
import type { Candidate } from './candidates.js';
import type { GraphFacts } from './domains.js';
import { blockFinder, fallbackIds, parseNodeName } from './naming.js';
import type { Patterns } from './patterns.js';
import { reshapeTargets, tokenLayout } from './tokens.js';
import type { FeatureLayout, LayerInfo, LayerKind, TokenLayout } from './types.js';

const FLOAT_TYPES = new Set(['float32', 'float16', 'float64', 'bfloat16']);

export interface ShapedLayer {
  tensor: string;
  node: number;
  kind: LayerKind;
  channels: number;
  spatial?: [number, number];
  /** Set for channels-last feature maps only. */
  layout?: FeatureLayout;
  tokens?: TokenLayout;
}

export function shapeLayers(
  facts: GraphFacts,
  candidates: readonly Candidate[],
  probed: ReadonlyMap<string, ProbedTensor>,
  batch: number | string,
  sources: ReadonlyMap<string, string>,
): ShapedLayer[] {
  const targets = reshapeTargets(facts);
  const layers: ShapedLayer[] = [];
  for (const c of candidates) {
    const t = probed.get(c.tensor);
    if (!t || !FLOAT_TYPES.has(t.elemType) || t.dims[0] !== batch) continue;
    const rest = t.dims.slice(1);
    if (!rest.every((d): d is number => typeof d === 'number')) continue;
    const base = { tensor: c.tensor, node: c.node };
    if (rest.length === 1) {
      layers.push({ ...base, kind: 'vector', channels: rest[0]! });
    } else if (rest.length === 3 && c.domain === 'spatial') {
      const [ch, h, w] = rest as [number, number, number];
      if (h === 1 && w === 1) layers.push({ ...base, kind: 'vector', channels: ch });
      else layers.push({ ...base, kind: 'feature', channels: ch, spatial: [h, w] });
    } else if (rest.length === 3 && facts.channelsLast.has(c.tensor)) {
      const [h, w, ch] = rest as [number, number, number];
      if (h * w > 1) layers.push({ ...base, kind: 'feature', channels: ch, spatial: [h, w], layout: 'NHWC' });
    } else if (rest.length === 2 && c.domain === 'neuron') {
      const [count, channels] = rest as [number, number];
      const source = sources.get(c.tensor);
      const tokens = tokenLayout(count, channels, c.node, source ? probed.get(source)?.dims : undefined, targets);
      layers.push({ ...base, kind: 'tokens', channels, tokens });
    }
  }
  return layers;
}

export interface NamedLayer extends ShapedLayer {
  id: string;
  block: string;
}

/** Ids and blocks for layers sorted by node index (rules in naming.ts). */
export function nameLayers(facts: GraphFacts, patterns: Patterns, layers: readonly ShapedLayer[]): NamedLayer[] {
  const fallback = fallbackIds(facts.nodes);
  const names = facts.nodes.map((node, i) => parseNodeName(node, fallback[i]!));
  const finder = blockFinder(facts, patterns, names);

  const named = layers.map((layer) => {
    const { path, leaf } = names[layer.node]!;
    const block = finder.blockOf(path);
    let id: string;
    if (path === null) id = leaf;
    else if (block !== undefined && path.join('.') === block) id = `${block}.${leaf}`;
    else id = path.length > 0 ? path.join('.') : leaf;
    return { ...layer, id, block: block ?? '' };
  });

  // The last layer of each named block is the block's output and takes the bare block id.
  const last = new Map<string, NamedLayer>();
  for (const layer of named) if (layer.block !== '') last.set(layer.block, layer);
  for (const [block, layer] of last) layer.id = block;

  const seen = new Map<string, number>();
  for (const layer of named) {
    const n = (seen.get(layer.id) ?? 0) + 1;
    seen.set(layer.id, n);
    if (n > 1) layer.id = `${layer.id}#${n}`;
  }

  // Layers without a named block form stages: runs of consecutive unblocked layers of one kind and
  // size, each named after its last layer (for plain CNNs that is the stage output).
  let run: NamedLayer[] = [];
  const close = () => {
    const id = run[run.length - 1]?.id;
    for (const layer of run) layer.block = id!;
    run = [];
  };
  for (const layer of named) {
    if (layer.block !== '') {
      close();
      continue;
    }
    const previous = run[run.length - 1];
    if (previous && sizeKey(previous) !== sizeKey(layer)) close();
    run.push(layer);
  }
  close();
  return named;
}

function sizeKey(layer: ShapedLayer): string {
  if (layer.kind === 'feature') return `f${layer.spatial!.join('x')}`;
  if (layer.kind === 'tokens') return `t${layer.tokens!.count}`;
  return 'v';
}

export function toLayerInfo(layer: NamedLayer, facts: GraphFacts, isDefault: boolean): LayerInfo {
  return {
    id: layer.id,
    tensor: layer.tensor,
    kind: layer.kind,
    channels: layer.channels,
    ...(layer.spatial ? { spatial: layer.spatial } : {}),
    ...(layer.layout ? { layout: layer.layout } : {}),
    ...(layer.tokens ? { tokens: layer.tokens } : {}),
    block: layer.block,
    op: facts.nodes[layer.node]!.opType ?? '',
    isDefault,
    index: layer.node,
  };
}

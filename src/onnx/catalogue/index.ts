/**
 * The layer catalogue: which tensors of an ONNX vision model are neuron layers worth analysing,
 * what they look like ([N,C,H,W] feature maps, [N,T,D] tokens, [N,D] vectors), readable ids and
 * blocks, and which are analysed by default. The rules are documented in docs/catalogue.md and in
 * each step's module:
 *
 *   domains.ts     what every tensor holds (weights, pixels, feature maps, tokens/vectors, attention)
 *   patterns.ts    written-out activations and norms, whose intermediates are not layers
 *   candidates.ts  which node outputs may be layers (before shapes are known)
 *   probe.ts       (src/runtime) their dims, from onnxruntime
 *   layers.ts      kinds from dims; ids and blocks (naming.ts); token grids (tokens.ts)
 *   defaults.ts    the default analysis layers
 */
import { NeurolensError } from '../../errors.js';
import { onnxMessages } from '../../messages/index.js';
import { probeShapes, type ProbeResult } from '../../runtime/probe.js';
import type { ModelProto } from '../types.js';
import { findCandidates, gridSources } from './candidates.js';
import { chooseDefaults } from './defaults.js';
import { analyseGraph } from './domains.js';
import { nameLayers, shapeLayers, toLayerInfo } from './layers.js';
import { findPatterns } from './patterns.js';
import type { CatalogueOptions, ModelSummary } from './types.js';

export type { CatalogueOptions, FeatureLayout, LayerInfo, LayerKind, ModelSummary, TensorSpec, TokenLayout } from './types.js';
export { formatCatalogue, layerSize } from './format.js';

export async function catalogueModel(model: ModelProto, options: CatalogueOptions = {}): Promise<ModelSummary> {
  const graph = model.graph;
  if (!graph || (graph.node ?? []).length === 0) throw new NeurolensError('model', onnxMessages.modelNoGraph('the model'));
  const facts = analyseGraph(graph);
  if (facts.index.inputs.size === 0) throw new NeurolensError('model', onnxMessages.catalogueNoInput());
  const patterns = findPatterns(facts);
  const candidates = findCandidates(facts, patterns);
  const sources = gridSources(facts);
  const wanted = new Set(candidates.map((c) => c.tensor));
  for (const c of candidates) {
    const source = c.domain === 'neuron' ? sources.get(c.tensor) : undefined;
    if (source) wanted.add(source);
  }

  const probe = await probeWithFallback(model, [...wanted], options);
  const input = probe.inputs[0]!;
  const shaped = shapeLayers(facts, candidates, probe.tensors, probe.batch, sources);
  const named = nameLayers(facts, patterns, shaped);
  const defaults = chooseDefaults(facts, patterns, named);

  const notes = [...defaults.notes];
  const ungridded = named.filter((l) => l.tokens && !l.tokens.grid).length;
  if (ungridded > 0) {
    notes.push(`the patch grid of ${ungridded} token layer(s) could not be determined (no patch-embedding Conv or grid Reshape found); their tokens are a plain sequence`);
  }
  if (probe.inputSize && input.dims.some((d) => typeof d === 'string' && d !== input.dims[0])) {
    notes.push(`layer sizes are for a ${probe.inputSize[0]}×${probe.inputSize[1]} input (the model accepts other sizes)`);
  }
  if (named.length === 0) notes.push('no neuron layers were found in this model');

  const outputs = probe.outputs.map((o) => ({ name: o.name, dims: o.dims, elemType: o.elemType }));
  const classes = outputs.find((o) => o.dims.length === 2)?.dims[1];
  return {
    input: { name: input.name, dims: input.dims, elemType: input.elemType },
    outputs,
    numClasses: typeof classes === 'number' ? classes : null,
    layers: named.map((l) => toLayerInfo(l, facts, defaults.tensors.has(l.tensor))),
    notes,
  };
}

/** Probe with the caller's bytes when given; if onnxruntime cannot load them, with the model itself. */
async function probeWithFallback(model: ModelProto, tensors: string[], options: CatalogueOptions): Promise<ProbeResult> {
  const probeOptions = options.inputSize ? { inputSize: options.inputSize } : {};
  if (options.onnxBytes) {
    try {
      return await probeShapes(options.onnxBytes, tensors, probeOptions);
    } catch (error) {
      if (!(error instanceof NeurolensError) || error.kind !== 'runtime') throw error;
    }
  }
  return probeShapes(model, tensors, probeOptions);
}

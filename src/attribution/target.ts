/**
 * Targets: parsing `--target` and resolving a target against a model (which class, which tapped
 * neurons). Binding to an image (running it once) is the Attributor's job (attributor.ts).
 *
 * Spellings: `pred`; a class index (`8`); a class name from the model card (`heart`);
 * `neuron:LAYER:C` (LAYER a catalogue layer id or tensor name, C a channel; the last `:` splits);
 * `circuit:FILE` or `circuit:FILE#K` (a QUERY.json written by `neurolens circuits`, circuit K,
 * default 0). Circuit layer ids are run layer ids, which are catalogue ids.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { NeurolensError } from '../errors.js';
import { attributionMessages } from '../messages/attribution.js';
import type { LayerInfo, ModelSummary } from '../onnx/catalogue/index.js';
import { closestNames } from '../onnx/graph.js';
import type { AttributionTarget } from './types.js';

/** Parses a `--target` value; class names need the model card's `classNames`. */
export function parseTarget(value: string, classNames?: readonly string[]): AttributionTarget {
  const v = value.trim();
  if (v === '') throw new NeurolensError('usage', attributionMessages.emptyTarget());
  if (v === 'pred') return { kind: 'pred' };
  if (/^\d+$/.test(v)) return { kind: 'class', cls: Number(v) };
  if (v.startsWith('neuron:')) {
    const rest = v.slice('neuron:'.length);
    const at = rest.lastIndexOf(':');
    const layer = rest.slice(0, at);
    const channel = rest.slice(at + 1);
    if (at <= 0 || !/^\d+$/.test(channel)) throw new NeurolensError('usage', attributionMessages.badNeuron(value));
    return { kind: 'neuron', layer, channel: Number(channel) };
  }
  if (v.startsWith('circuit:')) {
    const rest = v.slice('circuit:'.length);
    const match = /^(.+?)(?:#(\d+))?$/.exec(rest);
    if (!match || match[1]!.trim() === '') throw new NeurolensError('usage', attributionMessages.badTarget(value));
    return match[2] === undefined ? { kind: 'circuit', file: match[1]! } : { kind: 'circuit', file: match[1]!, index: Number(match[2]) };
  }
  const cls = classNames?.indexOf(v) ?? -1;
  if (cls >= 0) return { kind: 'class', cls };
  throw new NeurolensError('usage', attributionMessages.unknownClassName(v, classNames));
}

/** The text form of a target (what parseTarget reads back). */
export function formatTarget(target: AttributionTarget): string {
  switch (target.kind) {
    case 'pred':
      return 'pred';
    case 'class':
      return String(target.cls);
    case 'neuron':
      return `neuron:${target.layer}:${target.channel}`;
    case 'circuit':
      return `circuit:${target.file}${target.index === undefined ? '' : `#${target.index}`}`;
  }
}

/** A catalogue layer by id (or tensor name); a one-line error with suggestions otherwise. */
export function findLayer(summary: ModelSummary, name: string, option: string): LayerInfo {
  const layer = summary.layers.find((l) => l.id === name) ?? summary.layers.find((l) => l.tensor === name);
  if (!layer) throw new NeurolensError('usage', attributionMessages.unknownLayer(option, name, closestNames(name, summary.layers.map((l) => l.id), 2)));
  return layer;
}

/** A target resolved against the model, not yet bound to an image. */
export type ResolvedTarget =
  | { kind: 'class'; /** undefined for `pred` (fixed when bound) */ cls?: number }
  | { kind: 'neurons'; neurons: { layer: LayerInfo; channel: number }[]; description: string };

/** Checks `target` against the model (class range, layers, channels; reads circuit files). */
export async function resolveTarget(target: AttributionTarget, summary: ModelSummary, modelName: string): Promise<ResolvedTarget> {
  switch (target.kind) {
    case 'pred':
    case 'class': {
      const classes = summary.numClasses;
      if (classes === null) throw new NeurolensError('model', attributionMessages.noClasses(modelName));
      if (target.kind === 'pred') return { kind: 'class' };
      if (!Number.isInteger(target.cls) || target.cls < 0 || target.cls >= classes) {
        throw new NeurolensError('usage', attributionMessages.classRange(target.cls, classes));
      }
      return { kind: 'class', cls: target.cls };
    }
    case 'neuron': {
      const layer = findLayer(summary, target.layer, '--target neuron');
      if (!Number.isInteger(target.channel) || target.channel < 0 || target.channel >= layer.channels) {
        throw new NeurolensError('usage', attributionMessages.channelRange(layer.id, target.channel, layer.channels));
      }
      return { kind: 'neurons', neurons: [{ layer, channel: target.channel }], description: `neuron ${layer.id}:${target.channel}` };
    }
    case 'circuit':
      return resolveCircuit(target.file, target.index ?? 0, summary);
  }
}

interface CircuitFileShape {
  circuits?: { nodes?: { layer?: unknown; channel?: unknown }[] }[];
}

async function resolveCircuit(file: string, index: number, summary: ModelSummary): Promise<ResolvedTarget> {
  let parsed: CircuitFileShape;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8')) as CircuitFileShape;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message.split('\n')[0]! : String(error));
    throw new NeurolensError('input', attributionMessages.circuitUnreadable(file, reason), { cause: error });
  }
  const circuits = parsed?.circuits;
  if (!Array.isArray(circuits) || circuits.some((c) => !Array.isArray(c?.nodes))) throw new NeurolensError('input', attributionMessages.circuitShape(file));
  if (!Number.isInteger(index) || index < 0 || index >= circuits.length) throw new NeurolensError('usage', attributionMessages.circuitIndex(file, index, circuits.length));
  const seen = new Set<string>();
  const neurons: { layer: LayerInfo; channel: number }[] = [];
  for (const node of circuits[index]!.nodes!) {
    if (typeof node.layer !== 'string' || !Number.isInteger(node.channel)) throw new NeurolensError('input', attributionMessages.circuitShape(file));
    const layer = summary.layers.find((l) => l.id === node.layer);
    if (!layer) throw new NeurolensError('input', attributionMessages.circuitLayer(file, node.layer));
    const channel = node.channel as number;
    if (channel < 0 || channel >= layer.channels) throw new NeurolensError('input', attributionMessages.circuitLayer(file, `${node.layer}:${channel}`));
    const key = `${layer.id}#${channel}`;
    if (seen.has(key)) continue;
    seen.add(key);
    neurons.push({ layer, channel });
  }
  if (neurons.length === 0) throw new NeurolensError('input', attributionMessages.circuitShape(file));
  return { kind: 'neurons', neurons, description: `circuit ${basename(file)}#${index} (${neurons.length} neurons)` };
}

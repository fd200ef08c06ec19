/**
 * Reading and checking what `neurolens edit` is asked: the `--ablate` neuron list, the `--scale`
 * factor and the `--out` path. Every problem is a one-line usage error naming the argument.
 */
import { extname, resolve } from 'node:path';
import { NeurolensError } from '../errors.js';
import { editMessages } from '../messages/index.js';
import { closestNames } from '../onnx/graph.js';
import type { LayerInfo } from '../onnx/catalogue/index.js';
import type { NeuronSpec } from './types.js';

/**
 * Parses `LAYER:C[,LAYER:C…]`. The channel follows the LAST colon, so tensor names that hold
 * colons themselves (TensorFlow's `StatefulPartitionedCall:0`) still work. Channels must be
 * non-negative integers; whether they exist is checked against the model by {@link resolveNeurons}.
 */
export function parseAblate(text: string): NeuronSpec[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new NeurolensError('usage', editMessages.noAblate());
  return items.map((item) => {
    const at = item.lastIndexOf(':');
    const layer = at > 0 ? item.slice(0, at).trim() : '';
    const channel = at > 0 ? item.slice(at + 1).trim() : '';
    if (layer === '' || !/^\d+$/.test(channel) || !Number.isSafeInteger(Number(channel))) {
      throw new NeurolensError('usage', editMessages.badAblate(item));
    }
    return { layer, channel: Number(channel) };
  });
}

/** A `--scale` value: any finite number (0 zeroes, 2 doubles, −1 flips the sign). */
export function parseScale(value: string | number): number {
  const n = typeof value === 'number' ? value : value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(n)) throw new NeurolensError('usage', editMessages.badScale(value));
  // -0 and 0 bake the same mask; keep the metadata free of "-0".
  return n === 0 ? 0 : n;
}

/** Checks `--out`: present, ending in .onnx (any case), not the input model. Returns it resolved. */
export function checkOut(out: string | undefined, model: string): string {
  if (out === undefined || out.trim() === '') throw new NeurolensError('usage', editMessages.noOut());
  if (extname(out).toLowerCase() !== '.onnx') throw new NeurolensError('usage', editMessages.outNotOnnx(out));
  const target = resolve(out);
  if (target === resolve(model)) throw new NeurolensError('usage', editMessages.outIsInput(out));
  return target;
}

/** The neurons of one layer, resolved against the catalogue. */
export interface ResolvedLayer {
  layer: LayerInfo;
  /** Channels, ascending, each once. */
  channels: number[];
}

/**
 * Finds each neuron's layer (by catalogue id first, then by tensor name) and checks its channel.
 * Neurons named twice (also once by id and once by tensor) count once. Layers come back in
 * catalogue (graph) order.
 */
export function resolveNeurons(neurons: readonly NeuronSpec[], layers: readonly LayerInfo[], model: string): ResolvedLayer[] {
  if (neurons.length === 0) throw new NeurolensError('usage', editMessages.noAblate());
  const byId = new Map(layers.map((l) => [l.id, l]));
  const byTensor = new Map(layers.map((l) => [l.tensor, l]));
  const chosen = new Map<LayerInfo, Set<number>>();
  for (const neuron of neurons) {
    const layer = byId.get(neuron.layer) ?? byTensor.get(neuron.layer);
    if (!layer) {
      const [suggestion] = closestNames(neuron.layer, layers.map((l) => l.id));
      throw new NeurolensError('usage', editMessages.unknownLayer(neuron.layer, suggestion, model));
    }
    if (!Number.isInteger(neuron.channel) || neuron.channel < 0 || neuron.channel >= layer.channels) {
      throw new NeurolensError('usage', editMessages.badChannel(`${neuron.layer}:${neuron.channel}`, layer.id, layer.channels));
    }
    let set = chosen.get(layer);
    if (!set) chosen.set(layer, (set = new Set()));
    set.add(neuron.channel);
  }
  return layers.filter((l) => chosen.has(l)).map((layer) => ({ layer, channels: [...chosen.get(layer)!].sort((a, b) => a - b) }));
}

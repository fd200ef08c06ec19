/**
 * Types shared by the maps/interventions module and its users (circuits, attribution, neurons).
 * They live here so that src/maps depends on none of those areas.
 */

/** One neuron: channel `channel` of layer `layer` (a run layer id). */
export interface NeuronRef {
  layer: string;
  channel: number;
}

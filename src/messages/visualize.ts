/** User-facing messages of feature visualisation (`neurolens visualize`). */
export const visualizeMessages = {
  badInteger: (option: string, value: unknown, min: number) => `${option} must be an integer ≥ ${min}, got ${JSON.stringify(String(value))}`,
  badNumber: (option: string, value: unknown, what: string) => `${option} must be ${what}, got ${JSON.stringify(String(value))}`,
  noNeurons: () => '--neurons is empty; pass channel indices such as 0,5,10-20 or leave it out for every neuron',
  badNeurons: (text: string) => `--neurons must be channel indices or ranges such as 0,5,10-20, got ${JSON.stringify(text)}`,
  neuronOutOfRange: (neuron: number, layer: string, channels: number) =>
    `--neurons ${neuron} is out of range for layer ${layer}, which has ${channels} neurons (0–${channels - 1}); pass indices below ${channels}`,
  notImage: (channels: number) => `visualize needs an image model with 1 or 3 input channels; this run's preprocessing has ${channels}`,
  layerStart: (layer: string, neurons: number, steps: number) => `${layer}: optimising ${neurons} neuron(s), ${steps} steps each`,
  layerDone: (layer: string, passed: number, total: number, seconds: number) =>
    `${layer}: ${passed} of ${total} visualisation(s) drive their neuron at least as high as its best dataset image (mean pooling), ${seconds.toFixed(1)} s`,
  diversitySummary: (layer: string, k: number, gramCosine: number, passed: number, total: number) =>
    `${layer}: ${k} images per neuron, mean pairwise Gram cosine ${gramCosine.toFixed(3)} (1 = alike); ${passed} of ${total} further image(s) pass`,
  written: (files: number) => `${files} file(s) written`,
};

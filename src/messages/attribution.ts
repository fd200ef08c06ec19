/** User-facing messages for attribution maps (`neurolens attribute`; see ./index.ts). */
const list = (items: readonly string[], max = 8) =>
  items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')}, … (${items.length} in all)`;

export const attributionMessages = {
  // target.ts
  emptyTarget: () => `--target is empty; use pred, a class index or name, neuron:LAYER:C or circuit:FILE[#K]`,
  badTarget: (value: string) =>
    `--target ${JSON.stringify(value)} is not understood; use pred, a class index or name, neuron:LAYER:C or circuit:FILE[#K]`,
  classRange: (cls: number, classes: number) => `--target class ${cls} is out of range; the model has classes 0 to ${classes - 1}`,
  unknownClassName: (name: string, names: readonly string[] | undefined) =>
    names && names.length > 0
      ? `--target ${JSON.stringify(name)} is not a class name of the model card (e.g. ${list(names, 5)}); use a class index or one of its names`
      : `--target ${JSON.stringify(name)} is not a class index, and the model card has no class names; use a class index, pred, neuron:LAYER:C or circuit:FILE`,
  noClasses: (model: string) => `${model} has no [N, K] class output; use --target neuron:LAYER:C or circuit:FILE`,
  badNeuron: (value: string) => `--target ${JSON.stringify(value)} must look like neuron:LAYER:C (a layer id from \`npx neurolens inspect\` and a channel index)`,
  unknownLayer: (option: string, layer: string, suggestions: readonly string[]) =>
    `${option}: ${JSON.stringify(layer)} is not a layer of the model${suggestions.length > 0 ? ` (did you mean ${suggestions.join(' or ')}?)` : ''}; use a layer id from \`npx neurolens inspect\``,
  channelRange: (layer: string, channel: number, channels: number) =>
    `--target neuron ${layer}:${channel}: channel out of range; layer ${layer} has channels 0 to ${channels - 1}`,
  circuitUnreadable: (file: string, reason: string) =>
    `--target circuit:${file}: cannot read the circuits file (${reason}); pass a QUERY.json written by \`npx neurolens circuits\``,
  circuitShape: (file: string) =>
    `--target circuit:${file} is not a circuits file (no "circuits" list of nodes); pass a QUERY.json written by \`npx neurolens circuits\``,
  circuitIndex: (file: string, index: number, count: number) =>
    count === 0
      ? `--target circuit:${file}#${index}: the file holds no circuits; pick another query's file`
      : `--target circuit:${file}#${index}: no such circuit; the file holds circuits 0 to ${count - 1}`,
  circuitLayer: (file: string, layer: string) =>
    `--target circuit:${file} names layer ${JSON.stringify(layer)}, which this model does not have; use the circuits of this model`,
  targetNotClass: (method: string) =>
    `--method ${method} explains classes only; use --target pred or a class (or --method ablation-cam / score-cam for neurons and circuits)`,
  // options
  badMethod: (value: string, methods: readonly string[]) => `--method must be one of ${methods.join(', ')}, got ${JSON.stringify(value)}`,
  badOption: (option: string, value: unknown, rule: string) => `${option} must be ${rule}, got ${JSON.stringify(value)}`,
  badImage: (length: number, expected: number) =>
    `the image tensor holds ${length} values but the model input needs ${expected} (C·H·W); load it with the attributor's loadImage`,
  // CAM layers and heads
  layerKind: (method: string, layer: string, kind: string) =>
    `--layer ${layer} is a ${kind} layer; --method ${method} needs a feature map [N,C,H,W] or tokens [N,T,D] layer from \`npx neurolens inspect\``,
  noTokenGrid: (layer: string) =>
    `--layer ${layer} holds tokens without a known patch grid, so they cannot be placed on the image; pick a feature map or a token layer with a grid (\`npx neurolens inspect\` shows 1+h×w)`,
  noDefaultLayer: (model: string) =>
    `${model} has no default feature or token layer to explain; pass --layer with a layer id from \`npx neurolens inspect\``,
  camHead: (model: string, reason: string) =>
    `--method cam needs a global-average-pool → linear classifier head, but ${model} ${reason}; use --method ablation-cam or score-cam instead`,
  camLayer: (layer: string, channels: number, expected: string, head: number) =>
    `--layer ${layer} has ${channels} channels but the classifier head reads ${head} (from ${expected}); --method cam works on the pooled map: leave --layer out`,
  // pipeline
  noModel: () => `attribute needs --model <file>: an ONNX vision model`,
  noImages: () => `attribute needs --images <dir|list|file>: an image folder, a list file or one image`,
  noOut: () => `attribute needs --out <dir>: the folder for the maps`,
  noMethod: (methods: readonly string[]) => `--method needs at least one attribution method (${methods.join(', ')}), comma-separated for several`,
  otherModel: (out: string, file: string) =>
    `${out} holds attributions of another model or preprocessing (${file}); use another --out folder or remove it`,
  imageSkipped: (path: string, reason: string) => `skipped ${path}: ${reason}`,
  rawWithoutGradient: (method: string, methods: readonly string[]) =>
    `--raw stores the input gradient, which --method ${method} does not compute; leave --raw out or use one of ${methods.join(', ')}`,
} as const;

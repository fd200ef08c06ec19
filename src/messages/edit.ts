/** User-facing messages for unit correction: `neurolens edit` (see ./index.ts). */
export const editMessages = {
  // parse.ts: the --ablate / --scale / --out arguments
  noAblate: () => `--ablate needs at least one neuron as LAYER:C (comma-separated for several), e.g. layer3.1:17,layer3.1:40`,
  badAblate: (item: string) =>
    `--ablate item ${JSON.stringify(item)} is not LAYER:C; write a layer id (or tensor name) from \`npx neurolens inspect\`, a colon and a channel index, e.g. layer3.1:17`,
  badChannel: (item: string, layer: string, channels: number) =>
    `--ablate ${JSON.stringify(item)}: channel must be an integer 0 to ${channels - 1} (layer ${layer} has ${channels} neurons)`,
  unknownLayer: (layer: string, suggestion: string | undefined, model: string) =>
    `--ablate layer ${JSON.stringify(layer)} is not a layer of ${model}${suggestion ? ` (did you mean ${suggestion}?)` : ''}; use a layer id or tensor name from \`npx neurolens inspect ${model}\``,
  badScale: (value: unknown) => `--scale must be a finite number (0 zeroes the neurons, 2 doubles them), got ${JSON.stringify(String(value))}`,
  noOut: () => `--out needs the path of the edited model to write, ending in .onnx`,
  outNotOnnx: (out: string) => `--out ${out} must end in .onnx (the edited model is written there and its model card next to it)`,
  outIsInput: (out: string) => `--out ${out} is the input model; write the edited model to a new .onnx file`,
  outCardIsInputCard: (out: string, card: string) =>
    `--out ${out} would share the model card ${card} with the input model; choose another file name`,
  badBatch: (value: unknown) => `--batch must be a positive integer, got ${JSON.stringify(String(value))}`,
  // bake.ts
  layerShape: (layer: string, tensor: string, dims: readonly (number | string)[], channels: number) =>
    `layer ${layer} (${JSON.stringify(tensor)}) has dims [${dims.join(', ')}], which do not hold ${channels} neurons where its kind puts them; pass the layer as \`npx neurolens inspect\` lists it`,
  tooLarge: (out: string, gib: string) =>
    `the edited model would be ${gib} GiB, over the 2 GiB a single .onnx (protobuf) file can hold, so ${out} cannot be written; edit a smaller model or one whose weights fit in one file`,
  // labels.ts / evaluate.ts (--eval)
  labelsMissing: (file: string) => `--eval labels file not found: ${file}; pass a CSV (path,label header) or JSONL ({"path","label"}) file`,
  labelsUnreadable: (file: string, reason: string) => `cannot read --eval labels file ${file} (${reason}); check its permissions`,
  labelsHeader: (file: string) =>
    `${file}: the first line must be a header naming the columns path and label (e.g. path,label); add one`,
  labelsLine: (file: string, line: number, reason: string) =>
    `${file}:${line}: ${reason}; each row needs an image path (relative to the labels file or --images-root) and a class index or class name`,
  labelsEmpty: (file: string) => `${file} lists no images; add rows of path,label`,
  unknownClass: (file: string, line: number, label: string, classes: number | null, named: boolean) =>
    `${file}:${line}: ${JSON.stringify(label)} is not a class of the model; use a class index${classes ? ` 0 to ${classes - 1}` : ''}${named ? ' or a class name from the model card' : ' (the model card has no classNames)'}`,
  notLogits: (output: string, dims: readonly number[]) =>
    `the model's first output ${JSON.stringify(output)} has dims [${dims.join(', ')}], not [N, classes] scores; --eval needs a classifier`,
  labelOutOfRange: (path: string, label: number, classes: number) =>
    `label ${label} of ${path} is not a class of the model, which has ${classes} outputs; fix the labels file`,
  noImages: (file: string, skipped: number) =>
    `none of the ${skipped} image(s) in ${file} could be decoded, so nothing was evaluated; check the paths (relative to the labels file, or pass --images-root)`,
  imageSkipped: (reason: string) => `skipped ${reason}`,
} as const;

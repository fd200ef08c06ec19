/** User-facing messages for the images area (see ./index.ts). */

/** Renders a shape the way ONNX tools print it: `[1, 3, H, W]`, `?` for an unnamed dynamic dim. */
function shape(dims: readonly (number | string | undefined)[]): string {
  return `[${dims.map((d) => (d === undefined ? '?' : String(d))).join(', ')}]`;
}

/** Short, single-line rendering of an offending value for "got …" clauses. */
function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  text = text.replace(/\s+/g, ' ');
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export const imageMessages = {
  // --- listing -------------------------------------------------------------------------------
  sourceMissing: (source: string) =>
    `image source ${source} does not exist; pass a folder of images or a text file listing one image path per line`,
  sourceUnreadable: (source: string, reason: string) =>
    `cannot read image source ${source} (${reason}); check that it exists and is readable`,
  sourceNotFileOrFolder: (source: string) =>
    `image source ${source} is neither a folder nor a file; pass a folder of images or a list file`,
  noImagesInFolder: (folder: string, extensions: readonly string[]) =>
    `no images found in ${folder} (looked for ${extensions.map((e) => `.${e}`).join(' ')} in all non-hidden subfolders); add images or pass a list file`,
  listNotText: (listFile: string) =>
    `image source ${listFile} is a binary file, not an image this tool reads nor a text list of image paths; pass a folder or a list file`,
  emptyList: (listFile: string) =>
    `list file ${listFile} names no images (only blank lines and # comments); add one image path per line`,

  // --- model card sidecar --------------------------------------------------------------------
  cardUnreadable: (file: string, reason: string) =>
    `cannot read model card ${file} (${reason}); fix its permissions or remove it`,
  cardInvalidJson: (file: string, reason: string) =>
    `model card ${file} is not valid JSON (${reason}); fix the file or remove it`,
  cardNotObject: (file: string) =>
    `model card ${file} must hold one JSON object ({ "inputSize": 224, ... }); fix the file or remove it`,
  /** A card field or a command-line override has the wrong type or range. */
  badField: (where: string, field: string, expected: string, got: unknown) =>
    `${where}: ${field} must be ${expected}, got ${shown(got)}`,

  // --- resolving preprocessing ---------------------------------------------------------------
  inputNotFloat: (input: string, elemType: string) =>
    /^u?int\d*$|^bool$/i.test(elemType)
      ? `integer input ${input} (${elemType}) is not supported; export the model with a float input`
      : `input ${input} has element type ${elemType}, but neurolens feeds float32 images; export the model with a float32 input`,
  inputRank: (input: string, dims: readonly (number | string | undefined)[]) =>
    `no image-like input (input ${input} has shape ${shape(dims)}); neurolens needs a rank-4 NCHW or NHWC image input`,
  inputNoChannelAxis: (input: string, dims: readonly (number | string | undefined)[]) =>
    `no image-like input (input ${input} has shape ${shape(dims)}: neither dim 1 nor dim 3 is 1 or 3 channels); set "layout" in the model card if it is an image input`,
  inputBadChannels: (input: string, dims: readonly (number | string | undefined)[], layout: string, where: string) =>
    `no image-like input (input ${input} has shape ${shape(dims)}, whose ${layout} channel dim is not 1 or 3, as ${where} says); fix "layout" or the model`,
  fixedBatch: (input: string, dims: readonly (number | string | undefined)[]) =>
    `model input ${JSON.stringify(input)} has a fixed batch size of ${String(dims[0])} (dims ${shape(dims)}), but neurolens feeds images in batches; re-export the model with a dynamic batch dim, e.g. torch.onnx.export(..., dynamic_axes={${JSON.stringify(input)}: {0: "batch"}})`,
  dynamicSize: (input: string, dims: readonly (number | string | undefined)[], cardPath: string | undefined) =>
    `input ${input} has a dynamic image size ${shape(dims)}; add "inputSize": [H, W] to ${cardPath ?? "the model's .json sidecar"} or pass --size`,
  sizeMismatch: (input: string, dims: readonly (number | string | undefined)[], height: number, width: number, where: string) =>
    `${where} asks for ${height}x${width} images but input ${input} has the fixed shape ${shape(dims)}; remove the size or fix it to match`,
  statsLength: (where: string, field: string, length: number, channels: number) =>
    `${where}: ${field} has ${length} values but the model takes ${channels}-channel images; give 1 or ${channels} values`,

  // --- decoding (one line: the file and the reason; the recorder records it as a skipped image) -
  decodeFailed: (file: string, reason: string) => `${file}: ${reason}`,
  reasonMissing: () => 'file not found',
  reasonIsFolder: () => 'is a folder, not an image',
  reasonBrokenLink: () => 'broken symbolic link (its target does not exist or links in a loop)',
  reasonNoPermission: () => 'permission denied',
  reasonUnreadable: (detail: string) => `cannot read the file (${detail})`,
  reasonEmpty: () => 'empty file (0 bytes)',
  reasonNotImage: () => 'unsupported or corrupt image (not a format sharp can read)',
  reasonCorrupt: (detail: string) => `unsupported or corrupt image (${detail})`,
  reasonTruncated: (detail: string) => `truncated or corrupt image (${detail})`,
  reasonHeic: (detail: string) =>
    `cannot decode HEIC/HEIF (${detail}); sharp's prebuilt binaries read only AVIF-coded HEIF, so convert it to JPEG or PNG`,
  reasonPixelLimit: (maxPixels: number, width?: number, height?: number, advice = 'raise it with --max-pixels') =>
    width !== undefined && height !== undefined
      ? `${width}x${height} = ${width * height} pixels exceeds the pixel limit of ${maxPixels} (${advice})`
      : `exceeds the pixel limit of ${maxPixels} (${advice})`,
} as const;

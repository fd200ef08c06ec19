/** User-facing messages for the ONNX area (see ./index.ts). */
export const onnxMessages = {
  modelMissing: (path: string) =>
    `model file not found: ${path} (pass the path of an .onnx file with --model)`,
  modelUnreadable: (path: string, reason: string) => `cannot read model ${path}: ${reason}`,
  modelNotOnnx: (path: string, reason: string) =>
    `${path} is not a valid ONNX model (${reason}); export it again with torch.onnx.export or onnx.save`,
  modelNoGraph: (path: string) => `${path} holds no graph; is it an ONNX model file?`,
  externalDataMissing: (path: string, tensor: string, file: string) =>
    `model ${path}: external data file ${file} for tensor ${tensor} is missing; keep the data files next to the model`,
  externalDataShort: (path: string, tensor: string, file: string) =>
    `model ${path}: external data file ${file} is shorter than tensor ${tensor} needs; the file is truncated or belongs to another model`,
  externalDataTooLarge: (path: string, gib: string) =>
    `model ${path} has ${gib} GiB of weights in external files; models over 1.9 GiB are not supported yet`,
  externalDataOutside: (path: string, file: string) =>
    `model ${path}: external data location ${file} points outside the model folder; refusing to read it`,
  // instrument.ts / cut.ts
  unknownTensor: (tensor: string, role: string, suggestion?: string) =>
    `${role} ${JSON.stringify(tensor)} is not a tensor of the model${suggestion ? ` (did you mean ${JSON.stringify(suggestion)}?)` : ''}; list the tensor names with \`npx neurolens inspect <model>\``,
  interveneOnInput: (tensor: string) =>
    `cannot intervene on ${JSON.stringify(tensor)}: it is a graph input; change the values you feed instead, or intervene on a tensor computed from it`,
  interveneOnInitializer: (tensor: string) =>
    `cannot intervene on ${JSON.stringify(tensor)}: it is a weight (initializer); intervene on the output of the node that reads it instead`,
  interveneNotFloat: (tensor: string, type: string) =>
    `cannot intervene on ${JSON.stringify(tensor)}: it holds ${type} values and masks/patches are float32; pick a float tensor (\`npx neurolens inspect\` lists types)`,
  opsetTooOld: (version: number) =>
    `the model uses ONNX opset ${version}; instrumenting needs opset 7 or newer (broadcasting Mul/Add); re-export it with a newer opset`,
  noGraph: () => `the model holds no graph; load it with loadModel() from an .onnx file`,
  cutEmpty: () => `a cut needs at least one tensor in 'to' (the tensors it computes)`,
  cutFromInitializer: (tensor: string) =>
    `cannot cut from ${JSON.stringify(tensor)}: it is a weight (initializer), not an activation; cut from a node's output instead`,
  cutToIsFrom: (tensor: string) =>
    `cannot cut to ${JSON.stringify(tensor)}: it is also one of the cut's inputs, so there is nothing to compute`,
  cutNeedsTensor: (from: string, to: string, tensor: string, readers: string) =>
    `cutting ${from} → ${to} also needs tensor ${JSON.stringify(tensor)} (a graph input, read by ${readers}); add it to the cut's inputs or cut at tensors downstream of those nodes`,
  cutNeedsShapeOnly: (from: string, to: string, tensor: string, readers: string) =>
    `cutting ${from} → ${to} also needs tensor ${JSON.stringify(tensor)}, but only for its shape (read by ${readers}, e.g. a batch-size Expand); add it to the cut's inputs (any values of the right shape work) or cut at tensors downstream of those nodes`,
  // Layer catalogue (src/onnx/catalogue) and the shape probe (src/runtime/probe.ts).
  catalogueNoInput: () =>
    `the model has no graph input to feed (every input is an initializer); neurolens needs a model that takes an image batch`,
  catalogueInputSizeNeeded: (input: string, dims: readonly (number | string)[]) =>
    `model input ${JSON.stringify(input)} has dims [${dims.join(', ')}] with a variable height/width; pass the image size to use (e.g. --size 224x224, or "inputSize": [224, 224] in the model card)`,
  catalogueInputSizeMismatch: (input: string, dims: readonly (number | string)[], size: readonly number[]) =>
    `model input ${JSON.stringify(input)} has fixed dims [${dims.join(', ')}] but an input size of ${size.join('x')} was given; drop the input size or pass the model's own`,
  catalogueInputSizeInvalid: (size: unknown) =>
    `input size must be two positive integers [height, width], got ${JSON.stringify(size)}`,
  catalogueInputDimsUnknown: (input: string, dims: readonly (number | string)[]) =>
    `model input ${JSON.stringify(input)} has dims [${dims.join(', ')}] whose variable dims are not batch, height or width; export the model with fixed dims for them`,
} as const;

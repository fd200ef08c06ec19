/** User-facing messages for the runtime area (onnxruntime sessions in a worker thread). */

function dims(shape: readonly (number | string)[]): string {
  return `[${shape.join(', ')}]`;
}

function list(names: readonly string[], limit = 8): string {
  const shown = names.slice(0, limit).map((n) => JSON.stringify(n));
  if (names.length > limit) shown.push(`… ${names.length - limit} more`);
  return shown.length > 0 ? shown.join(', ') : '(none)';
}

export const runtimeMessages = {
  opUnsupported: (op: string, node: string | undefined, version: string) =>
    `op ${op}${node ? ` (node ${JSON.stringify(node)})` : ''} is not supported by onnxruntime ${version}; re-export the model with standard ONNX ops (e.g. torch.onnx.export with a recent opset) or replace that layer`,
  domainNotImported: (op: string, node: string | undefined, domain: string) =>
    `op ${op}${node ? ` (node ${JSON.stringify(node)})` : ''} is in domain ${JSON.stringify(domain)}, which the model does not import (no opset_import entry); add an opset_import for that domain, or re-export the model with standard ONNX ops`,
  modelInvalid: (reason: string) =>
    `onnxruntime cannot load the model: ${reason}; check the file with onnx.checker or re-export it`,
  modelNotOnnx: () => `onnxruntime cannot load the model: the bytes are not an ONNX protobuf; pass the bytes of an .onnx file`,
  cudaUnavailable: (reason: string) =>
    `the CUDA execution provider is not available (${reason}); install onnxruntime-node's CUDA 12 provider (ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js) on a machine with an NVIDIA GPU and CUDA 12 + cuDNN 9, or run on the CPU (--device cpu, executionProvider 'cpu')`,
  cudaNotBuilt: (platform: string) =>
    `onnxruntime-node has no CUDA execution provider on ${platform}; run on the CPU (--device cpu, executionProvider 'cpu')`,
  badThreads: (value: unknown) => `threads must be a positive integer, got ${String(value)}`,
  badOption: (option: string, value: unknown, allowed: readonly string[]) =>
    `${option} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(value)}`,
  feedUnknown: (name: string, inputs: readonly string[]) =>
    `the model has no input ${JSON.stringify(name)}; its inputs are ${list(inputs)}`,
  feedMissing: (name: string, shape: readonly (number | string)[] | undefined) =>
    `missing input ${JSON.stringify(name)}${shape && shape.length > 0 ? ` (expected dims ${dims(shape)})` : ''}; feed a tensor for every model input`,
  feedType: (name: string, got: string, expected: string) =>
    `input ${JSON.stringify(name)} holds ${got} values but the model expects ${expected}; convert the data (e.g. Float32Array.from(...))`,
  feedSize: (name: string, shape: readonly number[], length: number) =>
    `input ${JSON.stringify(name)} has dims ${dims(shape)} (${shape.reduce((a, b) => a * b, 1)} values) but its data holds ${length}; fix the dims or the data`,
  feedDetached: (name: string) =>
    `input ${JSON.stringify(name)} was already sent to an earlier run (its buffer is transferred to the worker, not copied); pass a copy (data.slice()) to feed the same values again`,
  feedBadData: (name: string) =>
    `input ${JSON.stringify(name)} must be { data: <typed array>, dims: number[] }; string tensors are not supported`,
  feedRank: (name: string, got: number, expected: readonly (number | string)[] | undefined, gotDims?: readonly number[]) =>
    `input ${JSON.stringify(name)} has rank ${got}${gotDims ? ` (dims ${dims(gotDims)})` : ''} but the model expects rank ${expected ? `${expected.length} (dims ${dims(expected)})` : '?'}; reshape the tensor`,
  feedDims: (name: string, got: readonly number[] | undefined, expected: readonly (number | string)[] | undefined, detail: string) =>
    `input ${JSON.stringify(name)}${got ? ` has dims ${dims(got)} but` : ''} the model expects dims ${expected ? dims(expected) : '?'} (${detail}); resize or reshape the input`,
  fetchUnknown: (name: string, outputs: readonly string[]) =>
    `the model has no output ${JSON.stringify(name)}; its outputs are ${list(outputs)}`,
  runFailed: (reason: string) => `onnxruntime failed to run the model: ${reason}`,
  createFailed: (reason: string) => `onnxruntime failed to load the model: ${reason}`,
  workerStart: (file: string, reason: string) =>
    `cannot start the onnxruntime worker ${file}: ${reason}; rebuild with \`npm run build\` (or run TypeScript sources with \`node --import tsx\`)`,
  workerCrashed: (reason: string) =>
    `the onnxruntime worker stopped unexpectedly (${reason}); the session is gone, create a new one (a model too large for memory is a common cause)`,
  sessionClosed: () => `the onnxruntime session is closed; create a new one to run the model again`,
  tapNotInstrumented: (name: string, taps: readonly string[]) =>
    `tensor ${JSON.stringify(name)} was not tapped when the model was instrumented (taps: ${list(taps)}); add it to the taps passed to InstrumentedModel.create`,
  interventionNotInstrumented: (name: string, interventions: readonly string[]) =>
    `tensor ${JSON.stringify(name)} was not instrumented for interventions (interventions: ${list(interventions)}); add it to the interventions passed to InstrumentedModel.create`,
  inputIsInstrumentation: (name: string) =>
    `${JSON.stringify(name)} is a mask/patch input added by instrumentation; pass masks and patches in request.interventions instead`,
  interventionBroadcast: (tensor: string, part: 'mask' | 'patch', shape: readonly number[] | undefined, reason: string) =>
    `the ${part} for ${JSON.stringify(tensor)}${shape ? ` (dims ${dims(shape)})` : ''} does not broadcast against the tensor (${reason}); use [N or 1, C, 1, 1] for feature maps, [N or 1, 1, D] for tokens, [N or 1, D] for vectors, or the tensor's full dims`,
} as const;

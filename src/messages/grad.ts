/** User-facing messages of autodiff over ONNX graphs (src/grad). */

export const gradMessages = {
  unsupportedOp: (op: string, node: string, supported: readonly string[]) =>
    `cannot differentiate through op ${op} (node ${JSON.stringify(node)}): it has no backward rule; supported ops: ${supported.join(', ')}. Differentiate with respect to a layer after that node (--layer), or re-export the model with supported ops`,
  notFloat: (tensor: string, type: string) =>
    `cannot differentiate with respect to ${JSON.stringify(tensor)}: it holds ${type} values, not floats; pick a float layer (npx neurolens inspect lists them)`,
  targetNotFloat: (tensor: string, type: string) =>
    `cannot differentiate ${JSON.stringify(tensor)}: it holds ${type} values, not floats; target a float output or layer`,
  noPath: (target: string, wrt: string) =>
    `${JSON.stringify(target)} does not depend on ${JSON.stringify(wrt)}, so its gradient there is zero; pick a layer before the target (npx neurolens inspect lists the layers in order)`,
  noTargets: () => `a gradient needs at least one target tensor`,
  noWrt: () => `a gradient needs at least one tensor to differentiate with respect to`,
  seedDims: (target: string, got: readonly number[], want: readonly (number | string)[]) =>
    `the seed of ${JSON.stringify(target)} has dims [${got.join(', ')}], but the tensor has dims [${want.join(', ')}] (the batch dim as fed); pass one seed value per element of the target tensor`,
  argmaxRank: (target: string, dims: readonly (number | string)[]) =>
    `cannot seed ${JSON.stringify(target)} at its largest value: it has dims [${dims.join(', ')}], not [batch, classes]; pass the class explicitly (a seed) or target the model's logits`,
  argmaxOpset: (opset: number) =>
    `cannot seed the gradient at the predicted class in the graph: the model's opset ${opset} has no OneHot with a class axis (opset 11 or later); pass the class explicitly`,
  seedCount: (got: number, want: number) => `the gradient graph takes ${want} seed tensor(s) (one per target), got ${got}`,
  mixedTypes: (tensor: string, type: string, dtype: string) =>
    `cannot differentiate through ${JSON.stringify(tensor)}: it holds ${type} values while the rest of the path holds ${dtype}; models mixing float types are not supported`,
  notConstant: (op: string, node: string, what: string) =>
    `cannot differentiate through op ${op} (node ${JSON.stringify(node)}): its ${what} input is computed at run time, and its backward rule needs it as a constant (an initializer or Constant node); differentiate with respect to a layer after that node (--layer), or re-export the model with constant folding`,
  dynamicAxis: (op: string, node: string, axis: number) =>
    `cannot differentiate through op ${op} (node ${JSON.stringify(node)}): it works along axis ${axis}, whose size (the batch) is only known at run time; differentiate with respect to a layer after that node (--layer), or export the model with a fixed batch size`,
  batchNormTraining: (node: string) =>
    `cannot differentiate through BatchNormalization node ${JSON.stringify(node)}: it runs in training mode (training_mode=1, normalising with each batch's own statistics); export the model in eval mode (model.eval() before torch.onnx.export)`,
  maxPoolOpset: (node: string, opset: number) =>
    `cannot differentiate through MaxPool node ${JSON.stringify(node)}: at opset ${opset} MaxPool has no Indices output, which its backward pass needs; re-export the model with opset 8 or later`,
};

/** Public API of unit correction (`neurolens edit`): bake neuron edits into a model, evaluate them. */
export { editModel, DEFAULT_SCALE, type EditNote } from './edit.js';
export { evaluateEdit, compareModels, summarise, argmax, DEFAULT_EVAL_BATCH, type EvaluateEditOptions, type ComparedModels, type Scored } from './evaluate.js';
export { bakeScales, encodeEdited, scaleDims, scaleValues, channelAxis, payloadBytes, EDIT_METADATA_KEY, type BakeEdit } from './bake.js';
export { parseAblate, parseScale, checkOut, resolveNeurons, type ResolvedLayer } from './parse.js';
export { readEditLabels, type LabelRow, type LabelClasses } from './labels.js';
export { formatEditSummary } from './format.js';
export type {
  ClassAccuracy,
  EditedLayer,
  EditEvaluation,
  EditOptions,
  EditProgress,
  EditResult,
  EvalOptions,
  ImageComparison,
  NeuronSpec,
} from './types.js';

/**
 * Resolves the complete preprocessing recipe from the model's declared input, its model card and
 * command-line overrides. Precedence, per field: overrides, then the card, then what the model's
 * shape says, then the defaults in ./defaults.ts.
 */
import { NeurolensError } from '../errors.js';
import { imageMessages } from '../messages/images.js';
import {
  DEFAULT_BACKGROUND,
  DEFAULT_CROP_FRACTION,
  DEFAULT_INTERPOLATION,
  DEFAULT_MAX_PIXELS,
  DEFAULT_RESIZE,
  GREY_MEAN,
  GREY_STD,
  IMAGENET_MEAN,
  IMAGENET_STD,
} from './defaults.js';
import {
  cardSource,
  checkCropFraction,
  checkInterpolation,
  checkLayout,
  checkMaxPixels,
  checkResize,
  checkRgb,
  checkSize,
  checkStats,
  overrideSource,
  type FieldSource,
} from './fields.js';
import { modelCardPath } from './sidecar.js';
import type {
  Layout,
  ModelCard,
  ModelImageInput,
  Preprocessing,
  PreprocessingContext,
  PreprocessingOverrides,
} from './types.js';

type Dim = number | string | undefined;

/** A dimension the model fixes: a positive number (ONNX tools write dynamic dims as -1, 0 or a name). */
function fixed(dim: Dim): number | undefined {
  return typeof dim === 'number' && dim > 0 ? dim : undefined;
}

function isChannelDim(dim: Dim): boolean {
  return dim === 1 || dim === 3;
}

/** A value with the source it came from, so later checks can name it. */
interface Sourced<T> {
  readonly value: T;
  readonly source: FieldSource;
  readonly field: string;
}

/**
 * Resolves the preprocessing for `input` (the model's image input).
 * - Layout: overrides/card `layout`, else NCHW when dim 1 is 1 or 3, else NHWC when dim 3 is.
 * - Channels: the layout's channel dim (1 → greyscale, 3 → RGB); a dynamic channel dim means RGB.
 * - Size: overrides `size` / card `inputSize`, else the static H and W dims. A given size must match
 *   static dims.
 * - mean/std: ImageNet's for RGB; 0.5/0.5 for greyscale (maps 0..1 to -1..1). One value is
 *   broadcast to every channel.
 * - resize 'shorter-crop' with cropFraction 0.875, interpolation 'linear', background white,
 *   maxPixels 100 000 000.
 *
 * @param context names the model so messages point at its sidecar file.
 * @throws NeurolensError: 'model' when the input is not a float32 rank-4 image or its size is dynamic
 *   and not given; 'input' for a bad card value; 'usage' for a bad override.
 */
export function resolvePreprocessing(
  input: ModelImageInput,
  card?: ModelCard,
  overrides?: PreprocessingOverrides,
  context?: PreprocessingContext,
): Preprocessing {
  const cardFile = context?.modelPath === undefined ? undefined : modelCardPath(context.modelPath);
  const fromCard = cardSource(cardFile ?? 'model card');

  /** The override if given, else the card's value, each checked and tagged with its source. */
  function pick<T>(
    overrideField: keyof PreprocessingOverrides,
    cardField: keyof ModelCard & string,
    check: (value: unknown, source: FieldSource, field: string) => T,
  ): Sourced<T> | undefined {
    const override = overrides?.[overrideField];
    if (override !== undefined) {
      return { value: check(override, overrideSource, overrideField), source: overrideSource, field: overrideField };
    }
    const carded = card?.[cardField];
    if (carded !== undefined && carded !== null) {
      return { value: check(carded, fromCard, cardField), source: fromCard, field: cardField };
    }
    return undefined;
  }

  if (input.elemType !== 'float32' && input.elemType !== 'float') {
    throw new NeurolensError('model', imageMessages.inputNotFloat(input.name, input.elemType));
  }
  const { dims } = input;
  if (dims.length !== 4) throw new NeurolensError('model', imageMessages.inputRank(input.name, dims));

  const layoutPick = pick('layout', 'layout', checkLayout);
  const layout: Layout = layoutPick?.value ?? inferLayout(input);
  const channelDim = dims[layout === 'NCHW' ? 1 : 3];
  if (fixed(channelDim) !== undefined && !isChannelDim(channelDim)) {
    const where = layoutPick ? origin(layoutPick) : 'the model';
    throw new NeurolensError('model', imageMessages.inputBadChannels(input.name, dims, layout, where));
  }
  const channels: 1 | 3 = channelDim === 1 ? 1 : 3;

  const [heightDim, widthDim] = layout === 'NCHW' ? [dims[2], dims[3]] : [dims[1], dims[2]];
  const sizePick = pick('size', 'inputSize', checkSize);
  let height: number;
  let width: number;
  if (sizePick) {
    [height, width] = sizePick.value;
    const [fixedH, fixedW] = [fixed(heightDim), fixed(widthDim)];
    if ((fixedH !== undefined && fixedH !== height) || (fixedW !== undefined && fixedW !== width)) {
      throw new NeurolensError('model', imageMessages.sizeMismatch(input.name, dims, height, width, origin(sizePick)));
    }
  } else {
    const [fixedH, fixedW] = [fixed(heightDim), fixed(widthDim)];
    if (fixedH === undefined || fixedW === undefined) {
      throw new NeurolensError('model', imageMessages.dynamicSize(input.name, dims, cardFile));
    }
    [height, width] = [fixedH, fixedW];
  }

  const stats = (field: 'mean' | 'std', fallback: readonly number[]): readonly number[] => {
    const given = pick(field, field, (v, s, f) => checkStats(v, s, f, field === 'std'));
    if (!given) return [...fallback];
    const values = given.value;
    if (values.length === channels) return [...values];
    if (values.length === 1) return Array.from({ length: channels }, () => values[0] as number);
    const where = given.source.where;
    throw new NeurolensError(given.source.kind, imageMessages.statsLength(where, given.source.name(field), values.length, channels));
  };

  const background = pick('background', 'background', checkRgb)?.value ?? DEFAULT_BACKGROUND;
  return {
    height,
    width,
    channels,
    layout,
    resize: pick('resize', 'resize', checkResize)?.value ?? DEFAULT_RESIZE,
    cropFraction: pick('cropFraction', 'cropFraction', checkCropFraction)?.value ?? DEFAULT_CROP_FRACTION,
    interpolation: pick('interpolation', 'interpolation', checkInterpolation)?.value ?? DEFAULT_INTERPOLATION,
    mean: stats('mean', channels === 1 ? [GREY_MEAN] : IMAGENET_MEAN),
    std: stats('std', channels === 1 ? [GREY_STD] : IMAGENET_STD),
    background: [background[0], background[1], background[2]],
    maxPixels: overrides?.maxPixels === undefined ? DEFAULT_MAX_PIXELS : checkMaxPixels(overrides.maxPixels, overrideSource, 'maxPixels'),
  };
}

/**
 * Refuses an image input whose batch dim is fixed: record, attribute, circuits and edit all run
 * several images (or masked copies of one) per onnxruntime call, which such a model rejects mid-run.
 * @throws NeurolensError 'model' naming the input and how to re-export it.
 */
export function checkBatchDim(input: ModelImageInput): void {
  if (fixed(input.dims[0]) !== undefined) throw new NeurolensError('model', imageMessages.fixedBatch(input.name, input.dims));
}

/** Names where a value came from: `--size` for an override, `models/net.json "inputSize"` for a card. */
function origin(picked: Sourced<unknown>): string {
  const name = picked.source.name(picked.field);
  return picked.source === overrideSource ? name : `${picked.source.where} ${name}`;
}

/** NCHW when dim 1 looks like channels, else NHWC when dim 3 does; otherwise not an image input. */
function inferLayout(input: ModelImageInput): Layout {
  if (isChannelDim(input.dims[1])) return 'NCHW';
  if (isChannelDim(input.dims[3])) return 'NHWC';
  throw new NeurolensError('model', imageMessages.inputNoChannelAxis(input.name, input.dims));
}

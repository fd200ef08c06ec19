/**
 * The cascading-randomisation sanity check over a set of images: for each cascade step, one
 * Attributor on the randomised model (closed after the step) recomputes every image's maps, which
 * are compared with the original model's maps (Spearman of the maps, Spearman and Pearson of
 * |map|). Targets are fixed to what they were on the original model ('pred' becomes the class the
 * ORIGINAL model predicted), so every step explains the same quantity.
 */
import type { Attributor, AttributionMethod, AttributionTarget, AttributorModel, MethodOptions, ScoreQuantity } from '../types.js';
import { cascadeSteps, parameterisedLayers, randomiseTopLayers } from './randomise.js';
import { absolute, pearson, spearman } from './spearman.js';
import type { SanityStep } from './types.js';

/** What {@link runSanity} needs. */
export interface SanityInput {
  /** The original model (left unmodified). */
  model: AttributorModel;
  /** Builds an Attributor on a (randomised) model. */
  create: (model: AttributorModel) => Promise<Attributor>;
  /** The image files, in evaluation order. */
  files: readonly string[];
  /** Per image, the target as fixed on the original model. */
  targets: readonly AttributionTarget[];
  methods: readonly AttributionMethod[];
  /** original[i][m]: the original model's map of image i for methods[m]. */
  original: readonly (readonly Float32Array[])[];
  /** Most cascade steps. */
  maxSteps: number;
  seed: number;
  /** Per method (same order as `methods`): its options and class-target quantity, as for the original maps. */
  methodOptions: readonly (MethodOptions & { quantity?: ScoreQuantity })[];
  onProgress?: (done: number, total: number) => void;
}

/** The similarity of a randomised map to the original map. */
export function compareMaps(original: ArrayLike<number>, randomised: ArrayLike<number>): Pick<SanityStep, 'spearman' | 'spearmanAbs' | 'pearsonAbs'> {
  const a = absolute(original);
  const b = absolute(randomised);
  return { spearman: spearman(original, randomised), spearmanAbs: spearman(a, b), pearsonAbs: pearson(a, b) };
}

/** Runs the cascade; returns steps[i][m] = the SanityStep list of image i, method m. */
export async function runSanity(input: SanityInput): Promise<SanityStep[][][]> {
  const layers = parameterisedLayers(input.model.model);
  const steps = cascadeSteps(layers.length, input.maxSteps);
  const out: SanityStep[][][] = input.files.map(() => input.methods.map(() => []));
  const total = steps.length * input.files.length;
  let done = 0;
  for (const step of steps) {
    const names = layers.slice(0, step).map((l) => l.name);
    const model = randomiseTopLayers(input.model.model, layers, step, input.seed);
    const attributor = await input.create({ ...input.model, model });
    try {
      for (let i = 0; i < input.files.length; i++) {
        const image = await attributor.loadImage(input.files[i]!);
        for (let m = 0; m < input.methods.length; m++) {
          const result = await attributor.attribute(image, input.methods[m]!, input.targets[i]!, input.methodOptions[m]);
          out[i]![m]!.push({ step, layers: names, ...compareMaps(input.original[i]![m]!, result.map.data) });
        }
        input.onProgress?.(++done, total);
      }
    } finally {
      await attributor.close();
    }
  }
  return out;
}

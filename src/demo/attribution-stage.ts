/**
 * The demo's attribution stage on one recorded model: maps of 50 images (16 with --quick)
 * spread over the run (every k-th image) with each method that suits the architecture, written to
 * RUN/attribution/demo/, then their evaluation (pixel flipping MoRF/LeRF, deletion, insertion, one
 * random map per image) into the same folder, and the cascading-randomisation sanity check on a
 * few images for the cheapest method.
 *
 * Methods: the CNN (global-average-pool → linear head) gets CAM, Ablation-CAM, Score-CAM and
 * occlusion; the ViT gets Ablation-CAM and Score-CAM on the last block's first LayerNorm (192
 * channels; the patch tokens of the last block's output never reach the class-token head) and
 * occlusion. Both also get the gradient methods of the seed talk's pixel-flipping table
 * (SEED_METHODS; seed-table.ts prints it). RISE (2,000 passes per image by default) is left to the
 * command line.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runAttribution } from '../attribution/pipeline.js';
import { evaluateAttributions } from '../attribution/eval/pipeline.js';
import { getMethod } from '../attribution/registry.js';
import type { AttributionMethod } from '../attribution/types.js';
import { openRun } from '../run/open.js';
import { writeFileAtomic } from '../store/atomic.js';

/** Images attributed and evaluated per model: 50 in the full demo, 16 in --quick (keeps it to minutes). */
export const ATTRIBUTION_IMAGES = { full: 50, quick: 16 } as const;
/**
 * The gradient methods of the seed talk's pixel-flipping table (DGA against Grad×Input, Guided
 * Backprop, IG, FullGrad and Guided IG), run on both demo models.
 */
export const SEED_METHODS: readonly AttributionMethod[] = ['grad-x-input', 'guided-backprop', 'integrated-gradients', 'fullgrad', 'guided-ig', 'dga'];
/** Path steps of the path methods: their defaults in the full demo, fewer in --quick (sequential passes). */
const PATH_STEPS: Record<'quick' | 'full', Partial<Record<AttributionMethod, number>>> = { quick: { 'guided-ig': 50, dga: 25 }, full: {} };
/** Images of the sanity check (each needs a map per cascade step). */
export const SANITY_IMAGES = 5;

export interface DemoAttributionMethod {
  method: AttributionMethod;
  /** Mean normalised AUCs over the images (MoRF/deletion: lower is better; LeRF/insertion: higher). */
  morf: number;
  lerf: number;
  insertion: number;
  deletion: number;
  /** Mean AUC(LeRF) − AUC(MoRF); higher = more faithful. */
  abpc: number;
  /** The random maps' mean MoRF AUC (the same random order serves LeRF). */
  randomMorf: number;
  /** The smoothness-matched random maps' mean MoRF AUC (random maps as smooth as the method's; NaN when not run). */
  smoothRandomMorf?: number;
  /** The eval's check: MoRF or deletion AUC not below the random map's ("less faithful than random on this model"), with its reason. */
  lessFaithful?: { reason: string };
  /** Mean seconds per image to compute the maps. */
  secondsPerImage: number;
}

export interface DemoAttribution {
  /** RUN/attribution/demo. */
  dir: string;
  images: number;
  methods: DemoAttributionMethod[];
  eval: string;
  /** Spearman correlation of the maps with the original model's, after randomising the top layer and after all cascade steps. */
  sanity?: { method: AttributionMethod; first: number; last: number; steps: number };
}

export async function demoAttribution(run: string, options: { threads?: number; executionProvider?: 'cpu' | 'cuda'; vit: boolean; mode: 'quick' | 'full' }): Promise<DemoAttribution> {
  const { manifest, images: rows } = await openRun(run, { activations: false });
  const count = ATTRIBUTION_IMAGES[options.mode];
  const step = Math.max(1, Math.floor(rows.length / count));
  const chosen = rows.filter((_, i) => i % step === 0).slice(0, count);
  const dir = join(run, 'attribution', 'demo');
  const list = join(dir, 'images.txt');
  await mkdir(join(dir, 'sanity'), { recursive: true });
  await writeFileAtomic(list, chosen.map((r) => join(manifest.images.root, r.path)).join('\n') + '\n');
  const threads = options.threads === undefined ? {} : { threads: options.threads };
  const model = manifest.model.path;
  const methods: AttributionMethod[] = [...(options.vit ? ['ablation-cam', 'score-cam', 'occlusion'] : ['cam', 'ablation-cam', 'score-cam', 'occlusion']), ...SEED_METHODS];
  const layer = options.vit ? { layer: 'blocks.5.norm1' } : {};
  const seconds = new Map<AttributionMethod, number>();
  for (const method of methods) {
    // The ViT's layer goes to every method that reads one (the registry says which).
    const readsLayer = getMethod(method).options.some((o) => o.key === 'layer');
    const steps = PATH_STEPS[options.mode][method];
    const result = await runAttribution({ model, images: list, out: dir, method, window: 8, stride: 4, ...(readsLayer ? layer : {}), ...(steps ? { steps } : {}), ...threads, executionProvider: options.executionProvider });
    seconds.set(method, result.computed > 0 ? result.seconds / result.computed : 0);
  }
  const { result, files } = await evaluateAttributions({ model, images: list, methods, maps: dir, out: dir, steps: 20, randomMaps: 1, ...threads, device: options.executionProvider });
  const mean = (s: { mean: number } | undefined) => s?.mean ?? NaN;
  const summary = methods.map((method): DemoAttributionMethod => {
    const a = result.aggregate[method];
    return {
      method,
      morf: mean(a?.auc.morf),
      lerf: mean(a?.auc.lerf),
      insertion: mean(a?.auc.insertion),
      deletion: mean(a?.auc.deletion),
      abpc: mean(a?.abpc),
      randomMorf: mean(a?.random?.morf),
      smoothRandomMorf: mean(a?.smoothRandom?.morf),
      ...(a?.checks?.lessFaithfulThanRandom ? { lessFaithful: { reason: a.checks.reason ?? '' } } : {}),
      secondsPerImage: seconds.get(method) ?? 0,
    };
  });

  // The sanity check recomputes maps under randomised weights: the cheapest method, a few images.
  const sanityMethod: AttributionMethod = options.vit ? 'ablation-cam' : 'cam';
  const sanityList = join(dir, 'sanity', 'images.txt');
  await writeFileAtomic(sanityList, chosen.slice(0, SANITY_IMAGES).map((r) => join(manifest.images.root, r.path)).join('\n') + '\n');
  const sane = await evaluateAttributions({
    model,
    images: sanityList,
    methods: [sanityMethod],
    out: join(dir, 'sanity'),
    curves: ['morf', 'lerf'],
    randomMaps: 0,
    sanity: true,
    sanitySteps: 4,
    methodOptions: options.vit ? { layer: 'blocks.5.norm1' } : {},
    ...threads,
    device: options.executionProvider,
  });
  const cascade = sane.result.aggregate[sanityMethod]?.sanity ?? [];
  return {
    dir,
    images: chosen.length,
    methods: summary,
    eval: files[0] ?? join(dir, 'eval.json'),
    ...(cascade.length > 0 ? { sanity: { method: sanityMethod, first: cascade[0]!.spearman.mean, last: cascade.at(-1)!.spearman.mean, steps: cascade.length } } : {}),
  };
}

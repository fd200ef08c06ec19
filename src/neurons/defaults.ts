/** Defaults of `neurons` and of its ablation effects, apart from them so the CLI's help loads no runtime. */
export const NEURONS_DEFAULTS = { activeAbove: null as number | null, rareBelow: 0.01, top: 8, thumbSize: 64, iouMin: 0.04, maxQ: 0.05, batch: 16, groupBytes: 256 * 2 ** 20 } as const;
export const EFFECTS_DEFAULTS = { effectImages: 32, heatmaps: 4, seed: 0, classes: 5, alpha: 0.05, deletion: 0.1, batch: 32 } as const;

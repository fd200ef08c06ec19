/** User-facing messages of `neurolens attribute eval` (see ./index.ts). */
export const attributionEvalMessages = {
  noModel: () => `attribute eval needs --model <file.onnx>: the model whose maps are evaluated`,
  noImages: () => `attribute eval needs --images <dir|list|file>: the images to evaluate maps on`,
  noOut: () => `attribute eval needs --out <dir>: where eval.json, eval.md and the curve charts go`,
  badInteger: (option: string, value: unknown, min: number) => `${option} must be an integer ≥ ${min}, got ${JSON.stringify(String(value))}`,
  badUnit: (unit: number, height: number, width: number) =>
    `--unit ${unit} is larger than the model input (${height}×${width}); use a unit side from 1 to ${Math.min(height, width)}`,
  badBaseline: (option: string, value: unknown, known: readonly string[]) => `${option} ${JSON.stringify(String(value))} is not a baseline; use ${known.join(', ')}`,
  badQuantity: (value: unknown, option = '--quantity') => `${option} ${JSON.stringify(String(value))} is not a score quantity; use probability or logit`,
  badCurves: (value: unknown, known: readonly string[]) => `--curves ${JSON.stringify(String(value))} names no known curve; use one or more of ${known.join(', ')}, comma-separated`,
  noImagesLeft: (source: string) => `no image of ${source} could be decoded; nothing to evaluate (see the warnings above)`,
  imageSkipped: (path: string, reason: string) => `skipping ${path}: ${reason}`,
  mapsIndexMissing: (dir: string) => `--maps ${dir} holds no readable attribution.json; pass a folder written by \`npx neurolens attribute\``,
  mapsIndexBad: (file: string, reason: string) => `${file} is not an attribution index (${reason}); pass a folder written by \`npx neurolens attribute\``,
  mapsOtherModel: (dir: string, model: string) =>
    `--maps ${dir} holds maps of another model than ${model} (sha256 differs); pass the --model the maps were computed with, or recompute them`,
  mapsOtherTarget: (dir: string, targets: readonly string[], target: string) =>
    `--maps ${dir} holds maps explaining ${targets.join(', ')}, not --target ${target}; pass --target ${targets[0] ?? 'pred'} or recompute the maps`,
  mapMissing: (image: string, method: string, dir: string) =>
    `--maps ${dir} has no ${method} map of ${image}; run \`npx neurolens attribute\` with --method ${method} on the same images, or drop ${method} from --method`,
  mapUnreadable: (file: string, reason: string) => `cannot read map ${file} (${reason}); re-run \`npx neurolens attribute\` to rewrite it`,
  mapShape: (file: string, shape: readonly number[], height: number, width: number) =>
    `map ${file} has shape [${shape.join(', ')}] but the model input is ${height}×${width}; the maps come from another model or input size: pass the matching --model`,
  mapNotFinite: (file: string) => `map ${file} holds NaN or infinite values, which cannot be ranked; recompute it`,
  noParamLayers: (model: string) =>
    `--sanity needs parameterised layers (Conv/Gemm/MatMul with initializer weights) but ${model} has none; drop --sanity for this model`,
  /** The flag's words, in eval.md, the CLI table and the explorer. */
  lessFaithful: 'less faithful than random on this model',
  /** One failed comparison: "MoRF AUC 0.444 is not below the random map's 0.301". */
  notBelowRandom: (curve: string, auc: number, random: number) => `${curve} AUC ${auc.toFixed(3)} is not below the random map's ${random.toFixed(3)}`,
  /** What the smooth-matched comparison says when the scattered one failed. */
  smoothBelow: (grids: string, values: string) =>
    `against random maps as smooth as it (${grids}) it is below (${values}): scattered baseline-colour units break every shape at once, so the scattered random curve falls fast whatever the order`,
  smoothNotBelow: (grids: string, values: string) => `it is not below random maps as smooth as it either (${grids}; ${values}): its ranking does not beat chance on this model`,
  /** The cascading-randomisation verdict (checks.ts sanityCheck), shown by the explorer. */
  sanityPassed: (last: number, lastAbs: number, layers: number, limit: number) =>
    `with ${layers} layer(s) re-initialised the maps' Spearman with the original is ${last.toFixed(3)} (|map| ${lastAbs.toFixed(3)}), below ${limit.toFixed(3)}: the maps depend on the learned weights`,
  sanityFailed: (last: number, lastAbs: number, layers: number, limit: number) =>
    `with ${layers} layer(s) re-initialised the maps' Spearman with the original is still ${last.toFixed(3)} (|map| ${lastAbs.toFixed(3)}), not below ${limit.toFixed(3)}: the maps barely depend on what the model learned`,
  checkPassed: (curves: string) => `${curves} below the random map's`,
} as const;

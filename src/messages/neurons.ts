/** User-facing messages for single-neuron analysis (`neurolens neurons`; see ./index.ts). */
export const neuronMessages = {
  noRun: () => 'neurons needs --run <dir>: a finished run folder (from `npx neurolens record`)',
  badPooling: (value: string) => `--pooling must be max, top10 or mean, got ${JSON.stringify(value)}`,
  badNumber: (option: string, value: unknown) => `${option} must be a finite number, got ${JSON.stringify(String(value))}`,
  badRareBelow: (value: unknown) => `--rare-below must be a rate in (0, 1], got ${JSON.stringify(String(value))}`,
  badMaxQ: (value: unknown) => `--max-q must be a number in (0, 1], got ${JSON.stringify(String(value))}`,
  badIouMin: (value: unknown) => `--iou-min must be a number in [0, 1), got ${JSON.stringify(String(value))}`,
  badInteger: (option: string, value: unknown, min: number) => `${option} must be an integer ≥ ${min}, got ${JSON.stringify(String(value))}`,
  topClamped: (top: number, recorded: number) => `--top ${top} is more than the run's recorded top-k (${recorded}); using ${recorded}`,
  // masks.ts (dissection dataset)
  masksMissing: (file: string) => `masks file ${file} does not exist; pass a JSONL file of {"image": "path", "masks": {"concept": "mask.png"}} lines`,
  masksUnreadable: (file: string, code: string) => `cannot read masks file ${file} (${code}); check its permissions`,
  masksEmpty: (file: string) => `masks file ${file} holds no lines; write one {"image": "path", "masks": {"concept": "mask.png"}} object per line`,
  masksBadLine: (file: string, line: number) => `${file}:${line} is not valid JSON; each line must be one object {"image": "path", "masks": {"concept": "mask.png"}}`,
  masksBadRecord: (file: string, line: number) =>
    `${file}:${line} needs a string "image" and an object "masks" mapping concept names to mask file paths (relative to ${file})`,
  maskUnreadable: (file: string, line: number, mask: string, reason: string) =>
    `${file}:${line}: mask ${mask} cannot be read (${reason}); fix the path (relative to the masks file) or the image`,
  maskImageUnreadable: (file: string, line: number, reason: string) => `${file}:${line}: ${reason}; fix the image path (relative to the masks file) or drop the line`,
  noMapLayer: (layer: string) => `layer ${layer} has no spatial map (a vector layer or tokens without a patch grid); it is left out of the dissection`,
  // caption-labels.ts
  noConcepts: (run: string) =>
    `no concepts run in ${run}/concepts, no --labels file and no --masks concept on the run's images: neuron labels skipped (run \`npx neurolens concepts --run ${run} --captions FILE\`, or pass --labels FILE or --masks FILE.jsonl, to get them)`,
  masksNotInRun: (file: string, unmatched: number, entries: number, example: string, root: string) =>
    `${file}: ${unmatched} of ${entries} mask image(s) are not images of the run (e.g. ${example}; the run's images are under ${root}); they serve the dissection but not the enrichment labels — point their "image" paths at the run's images to use them`,
  labelsDone: (layer: string, labelled: number, channels: number, maxQ: number, top: { label: string; count: number } | null) =>
    `${layer}: ${labelled} of ${channels} neuron(s) labelled (q < ${maxQ})${top ? `; most common label "${top.label}" on ${top.count}` : ''}`,
  unknownLevel: (level: number, levels: readonly number[]) =>
    `--concepts-level ${level}: the concepts run has level(s) ${levels.join(', ')}; choose one of those`,
  conceptsUnreadable: (file: string, reason: string) => `cannot read ${file} (${reason}); re-run \`npx neurolens concepts\` on the run`,
  exemplarUnreadable: (path: string) => `exemplar image ${path} can no longer be read (moved or damaged since recording); its crops are left grey`,
  // effects.ts (--effects)
  effectsImageUnreadable: (path: string) => `image ${path} can no longer be read (moved or damaged since recording); it is left out of the effects`,
  badEffectImages: (value: unknown) => `--effect-images must be 0 (no ablation effects) or at least 2 (their intervals come from the spread over images), got ${JSON.stringify(String(value))}`,
  effectsTooFewImages: (images: number) => `only ${images} readable image(s) for the ablation sample; ablation effects need at least 2 (their intervals come from the spread over images), so they are skipped`,
  effectsDone: (layer: string, images: number, heatmaps: number) =>
    `${layer}: ${images > 0 ? `ablation effects over ${images} image(s)` : 'no ablation effects'}, ${heatmaps > 0 ? `heatmaps of the top ${heatmaps} exemplar(s)` : 'no heatmaps'}`,
  // CLI summary lines
  layerDone: (layer: string, computed: number, channels: number) => `${layer}: exemplars of ${computed} neuron(s) computed (${channels - computed} already done)`,
  written: (files: number) => `${files} file(s) written`,
};

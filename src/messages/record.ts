/** User-facing messages for recording runs (see ./index.ts). */
export const recordMessages = {
  unknownLayers: (names: readonly string[], model: string) =>
    `unknown layer${names.length > 1 ? 's' : ''} ${names.map((n) => `'${n}'`).join(', ')} for --layers; run \`npx neurolens inspect ${model}\` to list the layer ids`,
  noLayers: (model: string) =>
    `no neuron layers found in ${model}; run \`npx neurolens inspect ${model}\` to see what the catalogue found`,
  noDefaultLayers: (model: string) =>
    `${model} has no default analysis layers; pass --layers all or a list of ids from \`npx neurolens inspect ${model}\``,
  runConflict: (out: string, parts: readonly string[]) =>
    `${out} already holds a recording with a different ${parts.join(', ')}; choose another --out, or delete ${out} to record again`,
  notARun: (out: string) =>
    `${out} exists and is not a neurolens run (no manifest.json or .record/state.json); choose another --out or an empty folder`,
  noImagesRecorded: (source: string, skipped: number) =>
    `none of the ${skipped} image(s) in ${source} could be decoded (see skipped.jsonl in the run folder for the reasons)`,
  skipped: (path: string, reason: string) => `skipped ${path}: ${reason}`,
  resumeSettings: (option: string, used: number, asked: number) =>
    `resuming with the run's ${option} ${used} (not ${asked}) so the result is identical to an uninterrupted run`,
  outputMissing: (model: string) => `${model} declares no outputs; neurolens needs the model's class scores as its first output`,
} as const;

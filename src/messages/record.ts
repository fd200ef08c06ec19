/** User-facing messages for recording runs (see ./index.ts). */
export const recordMessages = {
  unknownLayers: (names: readonly string[], model: string) =>
    `unknown layer${names.length > 1 ? 's' : ''} ${names.map((n) => `'${n}'`).join(', ')} for --layers; run \`npx neurolens inspect ${model}\` to list the layer ids`,
  noLayers: (model: string) =>
    `no neuron layers found in ${model}; run \`npx neurolens inspect ${model}\` to see what the catalogue found`,
  noDefaultLayers: (model: string) =>
    `${model} has no default analysis layers; pass --layers all or a list of ids from \`npx neurolens inspect ${model}\``,
  runConflict: (out: string, parts: readonly string[]) =>
    `${out} already holds a recording with ${parts.map((p) => (/^(images|layers|poolings|settings|preprocessing)$/.test(p) ? `different ${p}` : `a different ${p}`)).join(', ')}; choose another --out, or delete ${out} to record again`,
  notARun: (out: string) =>
    `${out} exists and is not a neurolens run (no manifest.json or .record/state.json); choose another --out or an empty folder`,
  noImagesRecorded: (source: string, skipped: number, skippedFile: string | undefined) =>
    `none of the ${skipped} image(s) in ${source} could be decoded${skippedFile ? ` (see ${skippedFile} for the reasons)` : ''}; fix or replace the images and record again`,
  manifestDamaged: (file: string, detail: string, out: string) =>
    `${file} is damaged (${detail}); delete ${out} and record it again`,
  imageChanged: (path: string, chunk: number) =>
    `${path} changed since it was recorded (same size, different content); recording its chunk ${chunk} again`,
  artefactDamaged: (path: string, reason: string) => `${path} is damaged (${reason}); rebuilding it`,
  rebuilt: (out: string, paths: readonly string[]) => `rebuilt ${paths.join(', ')} in ${out}`,
  skipped: (path: string, reason: string) => `skipped ${path}: ${reason}`,
  resumeSettings: (option: string, used: number, asked: number) =>
    `resuming with the run's ${option} ${used} (not ${asked}) so the result is identical to an uninterrupted run`,
  outputMissing: (model: string) => `${model} declares no outputs; neurolens needs the model's class scores as its first output`,
} as const;

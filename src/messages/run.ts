/**
 * User-facing messages for opening a recorded RUN (src/run; see ./index.ts). Every analysis reads
 * runs through one reader, so "not a run", "unknown layer", "missing pooling", "damaged artefact"
 * and "model changed" are said once, here. `rebuild` is the runnable `record` command that
 * re-verifies the run and rebuilds a missing or truncated file.
 */
const list = (items: readonly string[]) => items.join(', ');
/**
 * Without a readable manifest `record` cannot tell the folder from a different run, so it cannot
 * heal it in place; recording into a new folder works and keeps the analyses already written here.
 */
const rerecordAdvice =
  'record the run again into a new folder with the `npx neurolens record … --out NEW` command that wrote it (the files here are left as they are)';

export const runMessages = {
  notARun: (run: string) => `${run} is not a finished run (no manifest.json); pass a folder written by \`npx neurolens record\`, or re-run that command to finish it`,
  notAFolder: (run: string) => `${run} is not a folder; pass the run folder written by \`npx neurolens record\``,
  manifestUnreadable: (file: string, code: string) => `cannot read ${file} (${code}); check its permissions`,
  manifestBroken: (file: string, detail: string) => `${file} is damaged (${detail}); ${rerecordAdvice}`,
  notAManifest: (file: string) => `${file} is not a neurolens run manifest; pass a folder written by \`npx neurolens record\``,
  newerFormat: (file: string, version: unknown, writer: unknown) =>
    `${file} has format version ${String(version)}${typeof writer === 'string' ? ` (written by neurolens ${writer})` : ''}, newer than this neurolens reads; upgrade with \`npm install neurolens@latest\``,
  schemaViolation: (file: string, field: string, problem: string) =>
    `${file}: ${field} ${problem}; the manifest was edited or damaged: ${rerecordAdvice}`,
  unknownLayers: (option: string, names: readonly string[], recorded: readonly string[]) =>
    `unknown layer(s) ${list(names)} for ${option}; this run recorded ${list(recorded)} (layer ids or tensor names)`,
  noLayers: (option: string) => `${option} names no layer; pass layer ids or tensor names of the run, comma-separated`,
  poolingMissing: (run: string, pooling: string, recorded: readonly string[], option: string | undefined) =>
    `${run} was recorded without ${pooling} pooling (recorded: ${list(recorded)}); ${option ? `choose one of those with ${option}, or ` : ''}re-record with --pool ${list([...new Set([...recorded, pooling])]).replace(/, /g, ',')}`,
  artifactMissing: (file: string, rebuild: string) => `${file} is missing from the run; ${rebuildAdvice(rebuild)}`,
  artifactDamaged: (file: string, detail: string, rebuild: string) => `${file} is damaged (${detail}); ${rebuildAdvice(rebuild)}`,
  artifactMismatch: (file: string, found: string, expected: string, rebuild: string) =>
    `${file} holds ${found} but the manifest says ${expected}; ${rebuildAdvice(rebuild)}`,
  nonFinite: (file: string, layer: string, pooling: string, count: number, fix: string) =>
    `${file} holds ${count} non-finite (NaN or ±Inf) activation(s) of layer ${layer} (${pooling} pooling); ${fix}`,
  nonFiniteLeaveOut: (option: string, others: readonly string[]) =>
    others.length > 0 ? `leave the layer out with ${option} ${others.join(',')}` : `analyse another layer with ${option} (the run has no other)`,
  nonFiniteRerecord: (rebuildWithout: string) => `record the run again without that layer: \`${rebuildWithout}\``,
  pixelLimit: () => 'the limit the run was recorded with: shrink the image, or record the run again with a larger --max-pixels',
  modelMissing: (model: string, run: string) => `the run's model ${model} is missing; restore it there (${run} was recorded from it) or record the run again`,
  modelChanged: (model: string, run: string) =>
    `${model} has changed since ${run} was recorded (sha256 differs); restore the recorded model or re-record the run`,
} as const;

function rebuildAdvice(rebuild: string): string {
  return `re-run \`${rebuild}\` (the same command); it re-verifies the run and rebuilds damaged files`;
}

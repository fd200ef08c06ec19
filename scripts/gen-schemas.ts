/**
 * `npm run schemas`: writes src/schemas/<format>.schema.json, the JSON Schema of every stored
 * `neurolens-*` file, generated from its TypeScript type by ts-json-schema-generator (the same
 * settings as its CLI: exported types as definitions, a top-level $ref, JSDoc as descriptions,
 * no additional properties, sorted keys). One program is parsed for all formats, so a run takes
 * seconds. test/schemas/ regenerates into a temporary folder and fails on any drift.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import stableStringify from 'safe-stable-stringify';
import { createGenerator } from 'ts-json-schema-generator';

/** Each stored format: its `format` tag, the TS type that declares it, and the file declaring that type. */
export const FORMATS = [
  { format: 'neurolens-run', type: 'RunManifest', file: 'src/record/types.ts' },
  { format: 'neurolens-concepts', type: 'ConceptLayer', file: 'src/concepts/types.ts' },
  { format: 'neurolens-probes', type: 'ProbeLayer', file: 'src/probes/layer-probes.ts' },
  { format: 'neurolens-neurons-summary', type: 'RatesSummary', file: 'src/neurons/types.ts' },
  { format: 'neurolens-exemplars', type: 'ExemplarsFile', file: 'src/neurons/types.ts' },
  { format: 'neurolens-dissection', type: 'DissectionFile', file: 'src/neurons/dissect.ts' },
  { format: 'neurolens-neuron-labels', type: 'NeuronLabelsFile', file: 'src/neurons/caption-labels.ts' },
  { format: 'neurolens-neuron-effects', type: 'NeuronEffectsFile', file: 'src/neurons/effects-types.ts' },
  { format: 'neurolens-attribution', type: 'AttributionFile', file: 'src/attribution/pipeline.ts' },
  { format: 'neurolens-attribution-eval', type: 'EvalResult', file: 'src/attribution/eval/types.ts' },
  { format: 'neurolens-circuits', type: 'CircuitFile', file: 'src/circuits/formats.ts' },
  { format: 'neurolens-circuits-common', type: 'CommonFile', file: 'src/circuits/formats.ts' },
  { format: 'neurolens-circuits-eval', type: 'CircuitsEvalFile', file: 'src/circuits/formats.ts' },
  { format: 'neurolens-circuits-diagnosis', type: 'CircuitsDiagnosisFile', file: 'src/circuits/formats.ts' },
  { format: 'neurolens-circuit-crops', type: 'CircuitCropsFile', file: 'src/circuits/formats.ts' },
  { format: 'neurolens-tcav', type: 'TcavFile', file: 'src/tcav/types.ts' },
  { format: 'neurolens-visualize', type: 'VisualizeLayerFile', file: 'src/visualize/types.ts' },
  { format: 'neurolens-shard', type: 'FinishedShardHeader', file: 'src/shards/spec.ts' },
] as const;

/** The repository root (this file lives in scripts/). */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Where the checked-in schemas live. */
export const SCHEMA_DIR = join(ROOT, 'src', 'schemas');

/** The schema file name of a format. */
export const schemaFile = (format: string): string => `${format}.schema.json`;

/** Generates every schema into `outDir`; returns the file names written, in FORMATS order. */
export function generateSchemas(outDir: string): string[] {
  const files = [...new Set(FORMATS.map((f) => f.file))];
  const generator = createGenerator({
    path: join(ROOT, files.length === 1 ? files[0]! : `{${files.join(',')}}`),
    tsconfig: join(ROOT, 'tsconfig.json'),
    expose: 'export',
    topRef: true,
    jsDoc: 'extended',
    sortProps: true,
    additionalProperties: false,
    // `npm run typecheck` checks the sources; the generator only needs their declarations.
    skipTypeCheck: true,
  });
  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const { format, type } of FORMATS) {
    const name = schemaFile(format);
    writeFileSync(join(outDir, name), `${stableStringify(generator.createSchema(type), null, 2)}\n`);
    written.push(name);
  }
  return written;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const written = generateSchemas(SCHEMA_DIR);
  process.stdout.write(`wrote ${written.length} schemas to src/schemas/\n`);
}

/** User-facing messages for the command line (see ./index.ts). */

/** How a user runs the CLI: a local install has no `neurolens` on PATH, so every printed command uses npx. */
export const CLI = 'npx neurolens';

export const cliMessages = {
  badInteger: (option: string, value: string) => `${option} must be a positive integer, got '${value}'`,
  badNonNegativeInteger: (option: string, value: string) => `${option} must be an integer ≥ 0, got '${value}'`,
  badNumber: (option: string, value: string) => `${option} must be a finite number, got '${value}'`,
  badNonNegativeNumber: (option: string, value: string) => `${option} must be a number ≥ 0, got '${value}'`,
  badSize: (value: string) => `--size must look like 224 or 224x224, got '${value}'`,
  badPoolings: (value: string, allowed: readonly string[]) =>
    `--pool must be a comma-separated list of ${allowed.join(', ')}, got '${value}'`,
  badNumbers: (option: string, value: string) => `${option} must be comma-separated numbers, got '${value}'`,
  badFraction: (option: string, value: string, max = 1) => `${option} must be a number in (0, ${max}], got '${value}'`,
  badActive: (value: string) => `--active must be top-frac:F or quantile:Q with a number in (0, 1], got '${value}'`,
  /** Commander's message ("error: …", maybe with a "(Did you mean …?)" line) as one line. */
  usageError: (commanderText: string) =>
    `neurolens: ${commanderText.trim().split('\n').map((l) => l.trim()).join(' ')}; see --help for usage`,
  missingOption: (flags: string) => `error: required option '${flags}' not specified`,
  internalError: (message: string) =>
    `internal error: ${message} (re-run with --debug for the stack trace and report it)`,
  interrupted: (signal: string) => `interrupted by ${signal}; re-run the same command to resume`,
  /** Shown defaults the library computes at run time. */
  cpuCores: 'CPU cores',
  everyRecordedLayer: 'every recorded layer',
  visualizeEveryNeuron: 'every neuron of each layer',
  visualizeJitter: '1/32 of the image side',
  neuronsPooling: 'max if recorded, else top10, else mean',
  neuronsActive: 'when among the top 10 % of its layer on that image',
  neuronsConceptsLevel: 'every level',
  fromModelCard: (fallback: string) => `from the model card, else ${fallback}`,
  /** The end of `neurolens --help`. */
  startHere: `\nNew here? Start with \`${CLI} demo --quick\`:\n  it records the two shipped emoji models and prints where every result is.\nEach command has its own help: \`${CLI} <command> --help\`.\n`,
} as const;

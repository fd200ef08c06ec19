/** User-facing messages for the command line (see ./index.ts). */
export const cliMessages = {
  badInteger: (option: string, value: string) => `${option} must be a positive integer, got '${value}'`,
  badSize: (value: string) => `--size must look like 224 or 224x224, got '${value}'`,
  badPoolings: (value: string, allowed: readonly string[]) =>
    `--pool must be a comma-separated list of ${allowed.join(', ')}, got '${value}'`,
  badNumbers: (option: string, value: string) => `${option} must be comma-separated numbers, got '${value}'`,
  badFraction: (option: string, value: string) => `${option} must be a number in (0, 1], got '${value}'`,
  badActive: (value: string) => `--active must be top-frac:F or quantile:Q with a number in (0, 1], got '${value}'`,
  internalError: (message: string) =>
    `internal error: ${message} (re-run with --debug for the stack trace and report it)`,
  interrupted: (signal: string) => `interrupted by ${signal}; re-run the same command to resume`,
} as const;

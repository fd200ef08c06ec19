/**
 * `--device cpu|cuda` of the benchmark scripts that run a model (default cpu, the tested one): the
 * execution provider every session of the bench opens, printed in its header line.
 */
import { runtimeMessages } from '../src/messages/runtime.js';

const PROVIDERS = ['cpu', 'cuda'] as const;

export function deviceFlag(argv: readonly string[] = process.argv): 'cpu' | 'cuda' {
  const i = argv.indexOf('--device');
  if (i < 0) return 'cpu';
  const value = argv[i + 1];
  const provider = PROVIDERS.find((p) => p === value);
  if (!provider) {
    process.stderr.write(`${runtimeMessages.badOption('--device', value, PROVIDERS)}\n`);
    process.exit(2);
  }
  return provider;
}

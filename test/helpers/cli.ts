// Runs argv through a commander program in this process, as src/cli/main.ts does, capturing
// stdout/stderr and the exit code (commander's own usage errors count as exit 2).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CommanderError, type Command } from 'commander';
import { runAction } from '../../src/cli/run-action.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface InProcessOptions {
  /**
   * Environment variables set for the run and restored after it (undefined: unset), as a spawned
   * CLI would get them; e.g. `NEUROLENS_DEBUG: undefined` so a developer's debug setting cannot
   * add stack traces to one-line errors.
   */
  env?: Record<string, string | undefined>;
}

export async function runInProcess(program: Command, args: readonly string[], options: InProcessOptions = {}): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = process.stdout.write.bind(process.stdout);
  const stderr = process.stderr.write.bind(process.stderr);
  // Only strings are captured: node's test runner talks to its parent through binary chunks on stdout.
  const capture = (into: string[], original: typeof process.stdout.write) =>
    ((chunk: unknown, ...rest: unknown[]) => (typeof chunk === 'string' ? (into.push(chunk), true) : (original as (...a: unknown[]) => boolean)(chunk, ...rest))) as typeof process.stdout.write;
  process.stdout.write = capture(out, stdout);
  process.stderr.write = capture(err, stderr);
  const previous = process.exitCode;
  const savedEnv = Object.entries(options.env ?? {}).map(([name]) => [name, process.env[name]] as const);
  setEnv(options.env ?? {});
  process.exitCode = 0;
  try {
    await runAction(async () => {
      try {
        await program.parseAsync(['node', 'neurolens', ...args]);
      } catch (error) {
        if (!(error instanceof CommanderError)) throw error;
        process.exitCode = error.exitCode === 0 ? 0 : 2;
      }
    });
    return { code: Number(process.exitCode ?? 0), stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
    process.exitCode = previous;
    setEnv(Object.fromEntries(savedEnv));
  }
}

function setEnv(values: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

const ENTRY = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

/**
 * The real binary (the tsx entry, NEUROLENS_DEBUG cleared), for what depends on the process
 * itself: --debug read from argv, progress off a terminal, the same one-line error and exit code
 * as the in-process run. A spawn costs seconds of start-up; prefer runInProcess.
 */
export function spawnCli(...args: string[]): CliResult {
  const result = spawnSync(process.execPath, ['--import', 'tsx', ENTRY, ...args], { encoding: 'utf8', env: { ...process.env, NEUROLENS_DEBUG: '' } });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Every command runs through here: a NeurolensError becomes one line on stderr and its exit code;
 * anything else is a bug, reported in one line too unless --debug asks for the stack.
 */
import { isNeurolensError } from '../errors.js';
import { cliMessages } from '../messages/index.js';

export function debugRequested(argv: readonly string[] = process.argv): boolean {
  return argv.includes('--debug') || process.env.NEUROLENS_DEBUG === '1';
}

export async function runAction(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    const debug = debugRequested();
    if (isNeurolensError(error)) {
      process.stderr.write(`neurolens: error: ${error.message}\n`);
      if (debug && error.stack) process.stderr.write(`${error.stack}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`neurolens: error: ${cliMessages.internalError(message.split('\n')[0] ?? '')}\n`);
    if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    process.exitCode = 70; // EX_SOFTWARE
  }
}

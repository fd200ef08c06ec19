/** The `neurolens` command line: a thin layer over the library (see ../index.ts). */
import { CommanderError } from 'commander';
import { buildProgram } from './program.js';
import { runAction } from './run-action.js';

await runAction(async () => {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // Commander already printed its message (or the help/version text).
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  }
});

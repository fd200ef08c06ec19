/** The `neurolens` command line: a thin layer over the library (see ../index.ts). */
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { registerInspect } from './commands/inspect.js';
import { registerRecord } from './commands/record.js';
import { registerDemo } from './commands/demo.js';
import { registerConcepts } from './commands/concepts.js';
import { registerCircuits } from './commands/circuits.js';
import { registerProbe } from './commands/probe.js';
import { registerEdit } from './commands/edit.js';
import { registerNeurons } from './commands/neurons.js';
import { registerAttribute } from './commands/attribute.js';
import { registerAttributeEval } from './commands/attribute-eval.js';
import { registerServe } from './commands/serve.js';
import { registerReport } from './commands/report.js';
import { runAction } from './run-action.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

const program = new Command()
  .name('neurolens')
  .description('Explain trained vision models (ONNX CNNs and ViTs) by groups of neurons and the circuits between them.')
  .version(version)
  .option('--debug', 'print stack traces for errors')
  .showHelpAfterError('(run with --help for usage)')
  .configureOutput({ writeErr: (text) => process.stderr.write(text) })
  // Throw instead of exiting so usage errors get exit code 2 (set below); inherited by subcommands.
  .exitOverride();

registerInspect(program);
registerRecord(program);
registerConcepts(program);
registerCircuits(program);
registerProbe(program);
registerNeurons(program);
registerAttributeEval(registerAttribute(program));
registerEdit(program);
registerServe(program);
registerReport(program);
registerDemo(program);

await runAction(async () => {
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // Commander already printed its message (or the help/version text).
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  }
});

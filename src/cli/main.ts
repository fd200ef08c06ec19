/** The `neurolens` command line: a thin layer over the library (see ../index.ts). */
import { Command } from 'commander';
import { createRequire } from 'node:module';
import { registerInspect } from './commands/inspect.js';
import { registerRecord } from './commands/record.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

const program = new Command()
  .name('neurolens')
  .description('Explain trained vision models (ONNX CNNs and ViTs) by groups of neurons and the circuits between them.')
  .version(version)
  .option('--debug', 'print stack traces for errors')
  .showHelpAfterError('(run with --help for usage)')
  .configureOutput({ writeErr: (text) => process.stderr.write(text) });

registerInspect(program);
registerRecord(program);

await program.parseAsync(process.argv);

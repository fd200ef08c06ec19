/** The `neurolens` command tree, built without parsing anything (main.ts runs it; tests read its help). */
import { Command, Option } from 'commander';
import { createRequire } from 'node:module';
import { cliMessages } from '../messages/index.js';
import { helpConfiguration } from './help.js';
import { checkRequired } from './options.js';
import { registerInspect } from './commands/inspect.js';
import { registerRecord } from './commands/record.js';
import { registerMerge } from './commands/merge.js';
import { registerDemo } from './commands/demo.js';
import { registerConcepts } from './commands/concepts.js';
import { registerCircuits } from './commands/circuits.js';
import { registerProbe } from './commands/probe.js';
import { registerTcav } from './commands/tcav.js';
import { registerEdit } from './commands/edit.js';
import { registerNeurons } from './commands/neurons.js';
import { registerVisualize } from './commands/visualize.js';
import { registerAttribute } from './commands/attribute.js';
import { registerAttributeEval } from './commands/attribute-eval.js';
import { registerServe } from './commands/serve.js';
import { registerReport } from './commands/report.js';
import { registerStatus, registerSubmit, registerWorker } from './commands/scale.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** Options of the command tree. */
export interface ProgramOptions {
  /** Column at which help text wraps; default: the terminal's width (80 off a terminal). */
  helpWidth?: number;
}

/** Every command, depth first (the root included). */
export function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap((c) => allCommands(c))];
}

export function buildProgram(options: ProgramOptions = {}): Command {
  const program = new Command()
    .name('neurolens')
    .description('Explain trained vision models (ONNX CNNs and ViTs) by groups of neurons and the circuits between them.')
    .version(version)
    .option('--debug', 'print stack traces for errors')
    .configureHelp(helpConfiguration(options.helpWidth))
    .addHelpText('after', cliMessages.startHere)
    // Commander's usage errors (unknown or missing option, bad choice) read like every other error:
    // one line, `neurolens: error: …`, then where the usage is.
    .configureOutput({ writeErr: (text) => process.stderr.write(text), outputError: (text, write) => write(`${cliMessages.usageError(text)}\n`) })
    // Options written after a subcommand belong to it (`circuits eval --run …` is eval's --run).
    .enablePositionalOptions()
    // Throw instead of exiting so usage errors get exit code 2 (see main.ts); inherited by subcommands.
    .exitOverride()
    // Options required of the command that runs, not of its ancestors (see requiredWhenCommandRuns).
    .hook('preAction', (_root, command) => checkRequired(command));

  registerDemo(program);
  registerInspect(program);
  registerRecord(program);
  registerMerge(program);
  registerConcepts(program);
  registerCircuits(program);
  registerProbe(program);
  registerTcav(program);
  registerNeurons(program);
  registerVisualize(program);
  registerAttributeEval(registerAttribute(program));
  registerEdit(program);
  registerServe(program);
  registerReport(program);
  // After record: `submit record` takes record's own options.
  registerSubmit(program);
  registerWorker(program);
  registerStatus(program);

  // With positional options, `--debug` after a command name reaches that command: accept it there too
  // (run-action.ts reads it from argv).
  for (const command of allCommands(program).slice(1)) command.addOption(new Option('--debug').hideHelp());
  return program;
}

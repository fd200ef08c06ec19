/** `neurolens inspect MODEL`: input spec, classes and the layer catalogue. */
import type { Command } from 'commander';
import { sizeOption } from '../options.js';
import { runAction } from '../run-action.js';

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('list the input, classes and the neuron layers neurolens finds in an ONNX model')
    .argument('<model>', 'path of the .onnx file')
    .option('--json', 'print the catalogue as JSON')
    .addOption(sizeOption())
    .action((model: string, options: { json?: boolean; size?: [number, number] }) =>
      runAction(async () => {
        const [{ inspectModel }, { formatCatalogue }] = await Promise.all([import('../../model/open.js'), import('../../onnx/catalogue/format.js')]);
        const summary = await inspectModel(model, { inputSize: options.size });
        process.stdout.write(options.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatCatalogue(summary)}\n`);
      }),
    );
}

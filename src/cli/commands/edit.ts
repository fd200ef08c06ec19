/** `neurolens edit`: a thin wrapper over editModel (src/edit) printing one summary. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { editModel, formatEditSummary, parseAblate, parseScale, type NeuronSpec } from '../../edit/index.js';
import { imageSize, positiveInteger } from '../options.js';
import { createProgressRenderer } from '../progress.js';
import { runAction } from '../run-action.js';

interface EditFlags {
  model: string;
  ablate: NeuronSpec[];
  scale?: number;
  out: string;
  eval?: string;
  imagesRoot?: string;
  batch?: number;
  threads?: number;
  size?: [number, number];
  device: 'cpu' | 'cuda';
}

export function registerEdit(program: Command): void {
  program
    .command('edit')
    .description('write a copy of a model with chosen neurons zeroed (or scaled); optionally compare both on labelled images')
    .requiredOption('--model <file>', 'ONNX model to edit (not modified; its .json model card is copied)')
    .requiredOption('--ablate <LAYER:C,…>', 'neurons to edit: layer id (or tensor name) from `neurolens inspect`, a colon, a channel', parseAblate)
    .option('--scale <f>', 'factor for the listed neurons (default 0: zeroed; 2 doubles)', parseScale)
    .requiredOption('--out <file.onnx>', 'edited model to write (its model card and eval file go next to it)')
    .option('--eval <labels>', 'compare before/after on labelled images: CSV with a path,label header, or JSONL {"path","label"}')
    .option('--images-root <dir>', 'folder the label paths are relative to (default: the labels file\'s folder)')
    .option('--batch <n>', 'images per inference batch for --eval (default 32)', positiveInteger('--batch'))
    .option('--threads <n>', 'onnxruntime threads (default: CPU cores)', positiveInteger('--threads'))
    .option('--size <HxW>', 'model input size when the model and its card leave it open', imageSize)
    .addOption(new Option('--device <name>', 'execution provider for --eval').choices(['cpu', 'cuda']).default('cpu'))
    .action((flags: EditFlags) =>
      runAction(async () => {
        const progress = createProgressRenderer();
        try {
          const result = await editModel({
            model: flags.model,
            ablate: flags.ablate,
            out: flags.out,
            ...(flags.scale !== undefined ? { scale: flags.scale } : {}),
            ...(flags.size ? { inputSize: flags.size } : {}),
            ...(flags.threads ? { threads: flags.threads } : {}),
            executionProvider: flags.device,
            ...(flags.eval !== undefined
              ? { eval: { labels: flags.eval, ...(flags.imagesRoot ? { imagesRoot: flags.imagesRoot } : {}), ...(flags.batch ? { batch: flags.batch } : {}) } }
              : {}),
            onProgress: (p) => progress.update(p),
            onWarning: (message) => {
              progress.stop();
              process.stderr.write(`neurolens: warning: ${message}\n`);
            },
          });
          progress.stop();
          process.stdout.write(formatEditSummary(result));
        } finally {
          progress.stop();
        }
      }),
    );
}

/** `neurolens edit`: a thin wrapper over editModel (src/edit) printing one summary. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { DEFAULT_EVAL_BATCH, DEFAULT_SCALE } from '../../edit/defaults.js';
import { parseAblate, parseScale } from '../../edit/parse.js';
import type { NeuronSpec } from '../../edit/types.js';
import { CLI } from '../../messages/index.js';
import { batchOption, deviceOption, outOption, shownDefault, sizeOption, threadsOption } from '../options.js';
import { createProgressRenderer, printWarning } from '../progress.js';
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
    .requiredOption('--ablate <LAYER:C,…>', `neurons to edit: layer id (or tensor name) from \`${CLI} inspect\`, a colon, a channel`, parseAblate)
    .addOption(shownDefault(new Option('--scale <f>', 'factor for the listed neurons (0 zeroes them, 2 doubles)').argParser(parseScale), DEFAULT_SCALE))
    .addOption(outOption('edited model to write (its model card and eval file go next to it)', undefined, 'file.onnx'))
    .option('--eval <labels>', 'compare before/after on labelled images: CSV with a path,label header, or JSONL {"path","label"}')
    .addOption(shownDefault(new Option('--images-root <dir>', 'folder the label paths are relative to'), "the labels file's folder"))
    .addOption(batchOption(DEFAULT_EVAL_BATCH, 'images per inference batch for --eval'))
    .addOption(threadsOption())
    .addOption(sizeOption())
    .addOption(deviceOption('execution provider for --eval'))
    .action((flags: EditFlags) =>
      runAction(async () => {
        const [{ editModel }, { formatEditSummary }] = await Promise.all([import('../../edit/edit.js'), import('../../edit/format.js')]);
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
            onWarning: (message) => printWarning(message, progress),
          });
          progress.stop();
          process.stdout.write(formatEditSummary(result));
        } finally {
          progress.stop();
        }
      }),
    );
}

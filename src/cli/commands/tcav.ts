/** `neurolens tcav`: TCAV scores of labelled concepts for one class at one layer of a recorded run. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { CLI } from '../../messages/index.js';
import { MIN_RANDOM as TCAV_MIN_RANDOM, TCAV_DEFAULTS } from '../../tcav/types.js';
import { batchOption, commaList, deviceOption, positiveInteger, runOption, seedOption, shownDefault, threadsOption } from '../options.js';
import { printWarning } from '../progress.js';
import { runAction } from '../run-action.js';

const D = TCAV_DEFAULTS;

/** Parsed flags of `neurolens tcav`. */
interface TcavFlags {
  run: string;
  concepts: string[];
  class: string;
  labels?: string;
  layer?: string;
  random?: number;
  seed?: number;
  out?: string;
  batch?: number;
  threads?: number;
  device?: 'cpu' | 'cuda';
}

const say = (line: string) => process.stderr.write(`neurolens tcav: ${line}\n`);

export function registerTcav(program: Command): void {
  program
    .command('tcav')
    .description('TCAV: how sensitive a class logit is to labelled concepts at a layer (real gradients along concept activation vectors, t-tested against random CAVs)')
    .addOption(runOption())
    .addOption(new Option('--concepts <names>', 'comma-separated concept names of the labels').argParser(commaList).makeOptionMandatory())
    .addOption(new Option('--class <name|index>', 'the class whose logit is explained: an index or a model-card class name; scored over the images the model predicts as it').makeOptionMandatory())
    .addOption(
      shownDefault(
        new Option('--labels <file>', 'concept images: CSV path,concept or JSONL {"path","concepts":[…]}, paths relative to the image root'),
        `the labels of the last \`${CLI} probe\` on the layer`,
      ),
    )
    .addOption(shownDefault(new Option('--layer <id>', 'layer id or tensor name of the run'), 'the run’s last default layer'))
    .addOption(shownDefault(new Option('--random <n>', `random CAVs of the significance test, and counter-example sets per concept (at least ${TCAV_MIN_RANDOM})`).argParser(positiveInteger('--random')), D.random))
    .addOption(seedOption(D.seed, 'the random image sets and the CAVs’ held-out splits'))
    .addOption(shownDefault(new Option('--out <file>', 'output JSON; a Markdown report goes next to it (.md)'), 'RUN/tcav/LAYER.CLASS.json'))
    .addOption(batchOption(D.batch, 'images per forward + backward batch'))
    .addOption(threadsOption())
    .addOption(deviceOption())
    .action((flags: TcavFlags) =>
      runAction(async () => {
        const [{ runTcav }, { summaryTable: tcavSummaryTable }] = await Promise.all([import('../../tcav/pipeline.js'), import('../../tcav/report.js')]);
        const result = await runTcav(
          { ...flags, ...(flags.device ? { device: flags.device } : {}) },
          { onStep: say, onWarning: (w) => printWarning(w) },
        );
        process.stdout.write(`${tcavSummaryTable(result.tcav)}\n` + `written: ${result.file}\nreport: ${result.report}\n`);
      }),
    );
}

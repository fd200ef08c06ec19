/** `neurolens report RUN --out DIR`: the explorer exported as static files (file:// or any static host). */
import type { Command } from 'commander';
import { serverMessages } from '../../messages/index.js';
import { outOption, runDescription } from '../options.js';
import { createProgressRenderer, printWarning } from '../progress.js';
import { runAction } from '../run-action.js';

interface ReportFlags {
  out: string;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('export the explorer of a run as static files that open from disk or any static web host')
    .argument('<run>', runDescription())
    .addOption(outOption('output folder (new, empty, or an earlier export, which is replaced)'))
    .action((run: string, flags: ReportFlags) =>
      runAction(async () => {
        const { exportReport } = await import('../../server/export.js');
        const progress = createProgressRenderer();
        try {
          const result = await exportReport({
            run,
            out: flags.out,
            onProgress: (p) => progress.update(p),
            onWarning: (w) => printWarning(w),
          });
          progress.stop();
          process.stdout.write(`${serverMessages.reportWritten(result.out, result.files)}\n`);
        } finally {
          progress.stop();
        }
      }),
    );
}

/** `neurolens serve RUN`: the explorer — a read-only local JSON API over a run plus the web app. */
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { Option } from 'commander';
import { NeurolensError } from '../../errors.js';
import { serverMessages } from '../../messages/index.js';
import { SERVE_DEFAULTS } from '../../server/defaults.js';
import { runDescription, shownDefault } from '../options.js';
import { runAction } from '../run-action.js';

interface ServeFlags {
  port?: number;
  host?: string;
  open?: boolean;
}

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 65535) throw new NeurolensError('usage', serverMessages.badPort(value));
  return n;
}

/** Opens `url` in the default browser, best effort; calls `onFail` when no opener could start. */
export function openBrowser(url: string, onFail: () => void): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', onFail);
    child.on('exit', (code) => {
      if (code !== 0) onFail();
    });
    child.unref();
  } catch {
    onFail();
  }
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('explore a run in the browser: neurons, concepts, circuits, probes, attribution (read-only local server)')
    .argument('<run>', runDescription())
    .addOption(shownDefault(new Option('--port <n>', 'TCP port; 0 picks a free one').argParser(port), SERVE_DEFAULTS.port))
    .addOption(shownDefault(new Option('--host <addr>', 'interface to listen on; any but loopback exposes the run without authentication'), SERVE_DEFAULTS.host))
    .option('--open', 'open the explorer in the default browser')
    .action((run: string, flags: ServeFlags) =>
      runAction(async () => {
        const { startServer } = await import('../../server/server.js');
        const server = await startServer({ run, ...(flags.port === undefined ? {} : { port: flags.port }), ...(flags.host === undefined ? {} : { host: flags.host }), onWarning: (w) => process.stderr.write(`neurolens: ${w}\n`) });
        process.stdout.write(`${serverMessages.listening(server.url)}\n`);
        if (flags.open) openBrowser(server.url, () => process.stderr.write(`neurolens: ${serverMessages.openFailed(server.url)}\n`));
        await new Promise<void>((resolve) => {
          const stop = () => void server.close().finally(resolve);
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
      }),
    );
}

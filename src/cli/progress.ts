/**
 * Renders library progress events on stderr: a live bar with images/s and ETA on a terminal,
 * one JSON object per line otherwise (CI logs, pipes), so long runs are observable either way.
 */
import cliProgress from 'cli-progress';
import { cliMessages } from '../messages/cli.js';

export interface ProgressEvent {
  /** What is being done, e.g. 'record' or 'finalize'. */
  phase: string;
  done: number;
  total: number;
  /** Extra figures to show (images/s, skipped, …). */
  rate?: number;
  etaSeconds?: number;
  skipped?: number;
}

export interface ProgressRenderer {
  update(event: ProgressEvent): void;
  stop(): void;
}

/** Prints a library warning on stderr as `neurolens: warning: …`, on a line of its own. */
export function printWarning(message: string, progress?: ProgressRenderer): void {
  progress?.stop();
  process.stderr.write(`neurolens: warning: ${message}\n`);
}

export interface ProgressScope {
  progress: ProgressRenderer;
  /** Prints a warning above the progress bar (see printWarning). */
  warn: (message: string) => void;
}

/**
 * Runs a long command's body with a progress renderer, and answers Ctrl-C with one line saying
 * that re-running resumes (what the library finished is journaled or written atomically) and exit
 * code 130. The handler is removed afterwards: a library caller or a test may run several
 * commands in one process.
 */
export async function withProgress<T>(body: (scope: ProgressScope) => Promise<T>): Promise<T> {
  const progress = createProgressRenderer();
  const interrupted = () => {
    progress.stop();
    process.stderr.write(`\nneurolens: ${cliMessages.interrupted('SIGINT')}\n`);
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  try {
    return await body({ progress, warn: (message) => printWarning(message, progress) });
  } finally {
    process.removeListener('SIGINT', interrupted);
    progress.stop();
  }
}

export function createProgressRenderer(stream: NodeJS.WriteStream = process.stderr): ProgressRenderer {
  if (stream.isTTY) return new BarRenderer(stream);
  return new JsonLinesRenderer(stream);
}

class BarRenderer implements ProgressRenderer {
  private bar: cliProgress.SingleBar | undefined;
  private phase = '';

  constructor(private readonly stream: NodeJS.WriteStream) {}

  update(event: ProgressEvent): void {
    if (!this.bar || event.phase !== this.phase) {
      this.bar?.stop();
      this.phase = event.phase;
      this.bar = new cliProgress.SingleBar(
        {
          stream: this.stream,
          format: `${event.phase.padEnd(9)} {bar} {value}/{total} | {rate} img/s | ETA {eta_formatted} | skipped {skipped}`,
          hideCursor: true,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(event.total, event.done, { rate: '-', skipped: 0 });
    }
    this.bar.setTotal(event.total);
    this.bar.update(event.done, { rate: event.rate === undefined ? '-' : event.rate.toFixed(1), skipped: event.skipped ?? 0 });
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}

class JsonLinesRenderer implements ProgressRenderer {
  private lastWrite = 0;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  update(event: ProgressEvent): void {
    // At most two lines a second, but always the final one.
    const now = Date.now();
    if (event.done < event.total && now - this.lastWrite < 500) return;
    this.lastWrite = now;
    const line = { progress: event.phase, done: event.done, total: event.total, rate: round(event.rate), eta_s: round(event.etaSeconds), skipped: event.skipped };
    this.stream.write(`${JSON.stringify(line)}\n`);
  }

  stop(): void {}
}

function round(value: number | undefined): number | undefined {
  return value === undefined ? undefined : Math.round(value * 10) / 10;
}

/**
 * `neurolens circuits`: granular concept circuits of one or more query images of a recorded run →
 * RUN/circuits/QUERY.json + QUERY.html (QUERY = img<index>, or the image file's sanitised stem).
 * Several queries (comma-separated) also get the circuit they share: RUN/circuits/common.json and a
 * section at the end of every query's page.
 */
import type { Command } from 'commander';
import { mkdir } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { longestCommonPath } from '../../circuits/common.js';
import { NeuronCrops, modelView } from '../../circuits/crops.js';
import { CircuitFinder, type CircuitQuery, type CircuitQueryResult } from '../../circuits/discover.js';
import { renderCircuitReport, renderCommonSection } from '../../circuits/report.js';
import { NeurolensError } from '../../errors.js';
import { circuitMessages } from '../../messages/circuits.js';
import { writeFileAtomic } from '../../store/atomic.js';
import { registerCircuitSubcommands } from './circuits-eval.js';
import { commaList, positiveInteger } from '../options.js';
import { runAction } from '../run-action.js';

interface CircuitsFlags {
  run?: string;
  query?: string[];
  percentile: number;
  layers?: string[];
  batch: number;
  threads?: number;
}

function percentile(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n > 0 && n < 100)) throw new NeurolensError('usage', circuitMessages.badPercentile(value));
  return n;
}

/** `12` → the run's image 12; anything else → an image file. */
export function parseQuery(token: string): CircuitQuery {
  return /^\d+$/.test(token) ? { index: Number(token) } : { image: token };
}

/** File stem for a query's outputs: `img<index>`, or the file name without extension made file-name safe. */
export function queryName(query: CircuitQuery): string {
  if ('index' in query) return `img${query.index}`;
  const stem = basename(query.image, extname(query.image)).replace(/[^A-Za-z0-9._-]/g, '_');
  return stem === '' || stem === '.' || stem === '..' ? 'query' : stem;
}

/** Unique names: a repeated stem gets `-2`, `-3`, … in query order. */
function uniqueNames(queries: readonly CircuitQuery[]): string[] {
  const seen = new Map<string, number>();
  return queries.map((q) => {
    const name = queryName(q);
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    return count === 1 ? name : `${name}-${count}`;
  });
}

const say = (line: string) => process.stderr.write(`neurolens circuits: ${line}\n`);

async function circuits(flags: CircuitsFlags): Promise<void> {
  if (!flags.run) throw new NeurolensError('usage', circuitMessages.noRun());
  const queries = (flags.query ?? []).map(parseQuery);
  if (queries.length === 0) throw new NeurolensError('usage', circuitMessages.noQuery());
  const names = uniqueNames(queries);
  say(`opening ${flags.run}`);
  const finder = await CircuitFinder.create(flags.run, {
    percentile: flags.percentile,
    batch: flags.batch,
    ...(flags.threads === undefined ? {} : { threads: flags.threads }),
    ...(flags.layers === undefined ? {} : { layers: flags.layers }),
  });
  try {
    // Every query is checked before the first (slow) one runs, so a typo fails at once.
    for (const q of queries) finder.queryFile(q);
    const outDir = join(resolve(flags.run), 'circuits');
    await mkdir(outDir, { recursive: true });
    const crops = new NeuronCrops(finder);
    const results: CircuitQueryResult[] = [];
    const written: string[] = [];
    for (const [i, query] of queries.entries()) {
      const name = names[i]!;
      let last = 0;
      const result = await finder.find(query, {
        onProgress: (p) => {
          const now = Date.now();
          if (p.rootsDone < p.roots && now - last < 1000) return;
          last = now;
          say(`${name}: roots ${p.rootsDone}/${p.roots} · neurons expanded ${p.expanded} · circuits ${p.circuits}`);
        },
      });
      say(circuitMessages.queryWritten(name, result.circuits.length, result.roots.length, result.diagnostics.seconds));
      const json = join(outDir, `${name}.json`);
      await writeFileAtomic(json, `${JSON.stringify(result, null, 2)}\n`);
      written.push(json);
      results.push(result);
    }
    let appendix: string | undefined;
    if (results.length > 1) {
      const common = longestCommonPath(results);
      const json = join(outDir, 'common.json');
      await writeFileAtomic(json, `${JSON.stringify({ queries: results.map((r) => r.query.image), ...common }, null, 2)}\n`);
      written.push(json);
      say(`common circuit: ${common.length} edge(s) on the longest shared path, ${common.commonEdges} shared edge(s)`);
      appendix = renderCommonSection(common, names, await crops.forNeurons(common.nodes));
    }
    for (const [i, result] of results.entries()) {
      const name = names[i]!;
      const nodes = result.circuits.flatMap((c) => c.nodes);
      say(`${name}: reference crops for ${new Set(nodes.map((n) => `${n.layer}#${n.channel}`)).size} neurons`);
      const html = renderCircuitReport({
        title: `circuits — ${name} — ${basename(resolve(flags.run))}`,
        result,
        query: await modelView(finder.queryFile(queries[i]!).file, finder.run.prep),
        crops: await crops.forNeurons(nodes),
        ...(appendix === undefined ? {} : { appendix }),
      });
      const path = join(outDir, `${name}.html`);
      await writeFileAtomic(path, html);
      written.push(path);
    }
    process.stdout.write(written.map((f) => `${f}\n`).join(''));
  } finally {
    await finder.close();
  }
}

export function registerCircuits(program: Command): void {
  const command = program
    .command('circuits')
    .description('find the circuits of neurons a query image activates, with JSON and an HTML report per query')
    // `circuits eval --run …`: options after a subcommand belong to it, not to `circuits`.
    .enablePositionalOptions()
    .option('--run <dir>', 'a finished run folder recorded with top10 pooling (from `neurolens record`)')
    .option('--query <images>', 'image file(s) or run image index(es), comma-separated', commaList)
    .option('--percentile <p>', 'percentile of the peaks-over-threshold sensitivity cut', percentile, 90)
    .option('--layers <ids>', 'comma-separated run layer ids (default: every recorded layer)', commaList)
    .option('--batch <n>', 'rows per run of a block, images per batch for reference crops', positiveInteger('--batch'), 32)
    .option('--threads <n>', 'onnxruntime intra-op threads (default: CPU cores)', positiveInteger('--threads'))
    .action((flags: CircuitsFlags) => runAction(() => circuits(flags)));
  registerCircuitSubcommands(command);
}

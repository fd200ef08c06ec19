/**
 * Circuits for one or more query images of a recorded run, written to RUN/circuits/:
 * QUERY.json + QUERY.html per query (QUERY = img<index>, or the image file's sanitised stem) and,
 * for several queries, the circuit they share (common.json and a section on every page).
 * Used by `neurolens circuits` and the demo; the library never prints (progress via hooks).
 */
import { mkdir } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { longestCommonPath } from './common.js';
import { modelView } from '../maps/crops.js';
import { NeuronCrops } from './neuron-crops.js';
import { writeCropFiles } from './crop-files.js';
import { CircuitFinder, inputDims, type CircuitFinderOptions, type CircuitQuery, type CircuitQueryResult } from './discover.js';
import type { CircuitFile, CommonFile } from './formats.js';
import { renderCircuitReport, renderCommonSection } from './report.js';
import { NeurolensError } from '../errors.js';
import { circuitMessages } from '../messages/circuits.js';
import { writeFileAtomic } from '../store/atomic.js';
import { withRunLock } from '../store/lock.js';
import { openRunAblation } from '../maps/ablate.js';
import { annotateCircuits, loadConceptSets } from './annotate.js';

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
export function uniqueNames(queries: readonly CircuitQuery[]): string[] {
  const seen = new Map<string, number>();
  return queries.map((q) => {
    const name = queryName(q);
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    return count === 1 ? name : `${name}-${count}`;
  });
}

/** The JSON written for a query: everything but the wall time, so the same inputs give identical files. */
export function circuitJson(result: CircuitQueryResult): string {
  const { seconds: _seconds, ...diagnostics } = result.diagnostics;
  const file: CircuitFile = { format: 'neurolens-circuits', formatVersion: 1, ...result, diagnostics };
  return `${JSON.stringify(file, null, 2)}\n`;
}

export interface WriteCircuitsResult {
  results: CircuitQueryResult[];
  names: string[];
  files: string[];
}

export async function writeCircuits(
  run: string,
  queries: readonly CircuitQuery[],
  options: CircuitFinderOptions = {},
  hooks: { onStep?: (line: string) => void } = {},
): Promise<WriteCircuitsResult> {
  return withRunLock(run, 'circuits', () => writeCircuitsLocked(run, queries, options, hooks));
}

async function writeCircuitsLocked(
  run: string,
  queries: readonly CircuitQuery[],
  options: CircuitFinderOptions,
  hooks: { onStep?: (line: string) => void },
): Promise<WriteCircuitsResult> {
  const say = (line: string) => hooks.onStep?.(line);
  if (queries.length === 0) throw new NeurolensError('usage', circuitMessages.noQuery());
  const names = uniqueNames(queries);
  say(`opening ${run}`);
  const finder = await CircuitFinder.create(run, options);
  const ablation = await openRunAblation(run, { ...(options.batch ? { batch: options.batch } : {}), ...(options.threads === undefined ? {} : { threads: options.threads }), executionProvider: options.executionProvider }).catch(async (error: unknown) => {
    await finder.close();
    throw error;
  });
  try {
    const concepts = await loadConceptSets(run);
    // Every query is checked before the first (slow) one runs, so a typo fails at once.
    for (const q of queries) finder.queryFile(q);
    const outDir = join(resolve(run), 'circuits');
    await mkdir(outDir, { recursive: true });
    const crops = new NeuronCrops(finder);
    const results: CircuitQueryResult[] = [];
    const written: string[] = [];
    for (const [i, query] of queries.entries()) {
      const name = names[i]!;
      let last = 0;
      const found = await finder.find(query, {
        onProgress: (p) => {
          const now = Date.now();
          if (p.rootsDone < p.roots && now - last < 1000) return;
          last = now;
          say(`${name}: roots ${p.rootsDone}/${p.roots} · neurons expanded ${p.expanded} · circuits ${p.circuits}`);
        },
      });
      const image = await finder.queryInput(query);
      const result = await annotateCircuits(found, { ablator: ablation.ablator, image: { data: image.data, dims: inputDims(finder.run.prep, 1) }, reference: finder.run.reference, concepts });
      say(circuitMessages.queryWritten(name, result.circuits.length, result.roots.length, result.diagnostics.seconds));
      const json = join(outDir, `${name}.json`);
      await writeFileAtomic(json, circuitJson(result));
      written.push(json);
      results.push(result);
    }
    let appendix: string | undefined;
    if (results.length > 1) {
      const common = longestCommonPath(results);
      const json = join(outDir, 'common.json');
      const file: CommonFile = { format: 'neurolens-circuits-common', formatVersion: 1, queries: results.map((r) => r.query.image), ...common };
      await writeFileAtomic(json, `${JSON.stringify(file, null, 2)}\n`);
      written.push(json);
      say(`common circuit: ${common.length} edge(s) on the longest shared path, ${common.commonEdges} shared edge(s)`);
      appendix = renderCommonSection(common, names, await crops.forNeurons(common.nodes));
    }
    const neurons = results.flatMap((r) => r.circuits.flatMap((c) => c.nodes));
    for (const [i, result] of results.entries()) {
      const name = names[i]!;
      const nodes = result.circuits.flatMap((c) => c.nodes);
      say(`${name}: reference crops for ${new Set(nodes.map((n) => `${n.layer}#${n.channel}`)).size} neurons`);
      const html = renderCircuitReport({
        title: `circuits — ${name} — ${basename(resolve(run))}`,
        result,
        query: await modelView(finder.queryFile(queries[i]!).file, finder.run.prep),
        crops: await crops.forNeurons(nodes),
        ...(appendix === undefined ? {} : { appendix }),
      });
      const path = join(outDir, `${name}.html`);
      await writeFileAtomic(path, html);
      written.push(path);
    }
    if (neurons.length > 0) {
      // Every crop is cached by now: this only writes the reports' pictures as files for the explorer.
      const layers = finder.run.layers.map((l) => l.id);
      const files = await writeCropFiles(resolve(run), neurons, await crops.forNeurons(neurons), crops.size, layers);
      say(circuitMessages.cropsWritten(new Set(neurons.map((n) => `${n.layer}#${n.channel}`)).size, files.pngs, files.index));
      written.push(files.index);
    }
    return { results, names, files: written };
  } finally {
    await Promise.all([finder.close(), ablation.close()]);
  }
}

/**
 * `neurolens report`: the explorer as static files that open from file:// or any static host.
 * Copies the built app with `window.__NEUROLENS_STATIC__ = true` injected, then writes every API
 * response the app can ask for in static mode as a data script (`data/…js`, see api.ts
 * staticDataPath) calling `window.__neurolensData(endpoint, json)`, every image's thumbnail as
 * `thumb/INDEX.png`, and the run files the responses reference under `files/`. The responses come
 * from the same handlers the server uses (router.ts). Output is deterministic; data is written as
 * it is produced, so a large run never holds all pages in memory.
 */
import { copyFile, mkdir, readdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { NeurolensError } from '../errors.js';
import { serverMessages } from '../messages/index.js';
import { canonicalEndpoint, NEURON_SORTS, STATIC_CALLBACK, STATIC_FLAG, STATIC_PAGE_SIZE, staticDataPath, type AttributionListResponse, type CircuitResponse, type CircuitsResponse, type NeuronResponse, type NeuronsPage, type OverviewResponse, type ProbesResponse } from './api.js';
import { describeError, HttpError } from './http-error.js';
import { handleApi } from './router.js';
import { RunIndex } from './run-index.js';
import { thumbnail } from './thumbs.js';
import { readIndexHtml, requireWebDir } from './web-app.js';

/** Marker file that identifies a folder as an explorer export (so a re-export may replace it). */
export const EXPORT_MARKER = '.neurolens-report';

export interface ExportProgress {
  /** 'data' (API responses), 'thumbs' or 'files'. */
  phase: 'data' | 'thumbs' | 'files';
  done: number;
  total: number;
}

export interface ExportOptions {
  /** The RUN directory to export. */
  run: string;
  /** Output folder: new, empty, or an earlier export (replaced). Must not lie inside RUN. */
  out: string;
  /** Folder of the built app. Default: dist/web of this package. */
  webDir?: string;
  /** Write thumbnails (default true; tests may skip them). */
  thumbs?: boolean;
  /** Called as items are written. */
  onProgress?: (progress: ExportProgress) => void;
  /** One-line notes (an endpoint or file that could not be exported). */
  onWarning?: (message: string) => void;
}

export interface ExportResult {
  out: string;
  /** Files written. */
  files: number;
  /** Endpoints written as data scripts. */
  endpoints: number;
}

/** The exact script text for one endpoint (what tests strip back to JSON). */
export function dataScript(endpoint: string, json: unknown): string {
  return `window.${STATIC_CALLBACK}(${JSON.stringify(canonicalEndpoint(endpoint))},${JSON.stringify(json)});\n`;
}

/** index.html with the static flag set before the first script. */
export function staticIndexHtml(html: string): string {
  const flag = `<script>window.${STATIC_FLAG}=true</script>`;
  const at = html.search(/<script\b/i);
  if (at >= 0) return `${html.slice(0, at)}${flag}${html.slice(at)}`;
  const head = html.search(/<\/head>/i);
  return head >= 0 ? `${html.slice(0, head)}${flag}${html.slice(head)}` : `${flag}${html}`;
}

async function prepareOut(runDir: string, out: string): Promise<string> {
  const abs = resolve(out);
  const inside = (dir: string) => dir === runDir || dir.startsWith(runDir + sep) || runDir.startsWith(dir + sep);
  if (inside(abs)) throw new NeurolensError('usage', serverMessages.reportOutIsRun(out));
  await mkdir(abs, { recursive: true });
  const real = await realpath(abs);
  if (inside(real)) throw new NeurolensError('usage', serverMessages.reportOutIsRun(out));
  const entries = await readdir(real);
  if (entries.length > 0) {
    if (!entries.includes(EXPORT_MARKER)) throw new NeurolensError('usage', serverMessages.reportOutNotEmpty(out));
    for (const e of entries) await rm(join(real, e), { recursive: true, force: true });
  }
  return real;
}

async function copyTree(from: string, to: string, skip: (rel: string) => boolean, rel = ''): Promise<number> {
  let count = 0;
  for (const e of (await readdir(join(from, rel), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (skip(r)) continue;
    if (e.isDirectory()) count += await copyTree(from, to, skip, r);
    else if (e.isFile()) {
      await mkdir(dirname(join(to, r)), { recursive: true });
      await copyFile(join(from, r), join(to, r));
      count++;
    }
  }
  return count;
}

/** Every endpoint of the static export, in writing order (lists first, then their items). */
async function* endpoints(run: RunIndex, overview: OverviewResponse): AsyncGenerator<string> {
  const enc = encodeURIComponent;
  yield '/api/overview';
  for (const layer of overview.layers) {
    for (const sort of NEURON_SORTS) {
      for (let offset = 0; offset < Math.max(1, layer.channels); offset += STATIC_PAGE_SIZE) yield `/api/layers/${enc(layer.id)}/neurons?limit=${STATIC_PAGE_SIZE}&offset=${offset}&sort=${sort}`;
    }
    for (let c = 0; c < layer.channels; c++) yield `/api/neuron/${enc(layer.id)}/${c}`;
  }
  for (const c of overview.analyses.concepts) yield `/api/concepts/${enc(c.layer)}`;
  yield '/api/circuits';
  for (const name of (await run.circuits()).queries.keys()) yield `/api/circuits/${enc(name)}`;
  yield '/api/probes';
  for (const p of overview.analyses.probes) yield `/api/probes/${enc(p.layer)}`;
  yield '/api/attribution';
  for (const a of overview.analyses.attribution) yield `/api/attribution/${enc(a.name)}`;
  const images = await run.images();
  for (let offset = 0; offset < Math.max(1, images.length); offset += STATIC_PAGE_SIZE) yield `/api/images?limit=${STATIC_PAGE_SIZE}&offset=${offset}`;
  for (const row of images) yield `/api/image/${row.index}`;
}

/** Run files a response points at (sprites, visualisations, PNGs, HTML reports). */
function referencedFiles(endpoint: string, json: unknown): string[] {
  if (endpoint.startsWith('/api/neuron/')) {
    const n = json as NeuronResponse;
    return [n.sprite, n.visualization?.image, ...(n.visualization?.diversity?.images ?? []).map((d) => d.image), ...(n.effects?.heatmaps ?? []).map((h) => h.png)].filter((f): f is string => typeof f === 'string');
  }
  if (endpoint.startsWith('/api/layers/')) return (json as NeuronsPage).neurons.flatMap((n) => (n.visualization ? [n.visualization.image] : []));
  if (endpoint === '/api/overview') return (json as OverviewResponse).analyses.reports;
  if (endpoint === '/api/circuits') return (json as CircuitsResponse).queries.flatMap((q) => (q.report ? [q.report] : []));
  if (endpoint.startsWith('/api/circuits/')) {
    const crops = (json as CircuitResponse).sankey.flatMap((s) => s.nodes.flatMap((n) => (n.crops ? [...n.crops.images.flatMap((i) => (i.crop ? [i.crop] : [])), ...(n.crops.sprite ? [n.crops.sprite.file] : [])] : [])));
    return [...new Set(crops)];
  }
  if (endpoint === '/api/attribution') return (json as AttributionListResponse).runs.flatMap((r) => r.pngs);
  if (endpoint === '/api/probes') return (json as ProbesResponse).report ? [(json as ProbesResponse).report!] : [];
  return [];
}

/** Exports the run's explorer into `options.out`. */
export async function exportReport(options: ExportOptions): Promise<ExportResult> {
  const webDir = await realpath(requireWebDir(options.webDir));
  const run = await RunIndex.open(options.run);
  const out = await prepareOut(run.dir, options.out);
  const progress = options.onProgress ?? (() => {});
  // ort/ is the browser's model runtime (14 MB), used only by live interventions, which need the server.
  let files = await copyTree(webDir, out, (r) => r === 'index.html' || r === 'ort');
  await writeFile(join(out, 'index.html'), staticIndexHtml(await readIndexHtml(webDir)));
  await writeFile(join(out, EXPORT_MARKER), 'neurolens explorer export\n');
  files += 2;

  const overview = (await handleApi(run, '/api/overview')) as OverviewResponse;
  const images = await run.images();
  const totalEndpoints =
    1 + overview.layers.reduce((s, l) => s + NEURON_SORTS.length * Math.max(1, Math.ceil(l.channels / STATIC_PAGE_SIZE)) + l.channels, 0) +
      overview.analyses.concepts.length + 1 + overview.analyses.circuits.queries + 1 + overview.analyses.probes.length + 1 + overview.analyses.attribution.length +
      Math.max(1, Math.ceil(images.length / STATIC_PAGE_SIZE)) + images.length;
  const referenced = new Set<string>();
  let written = 0;
  for await (const endpoint of endpoints(run, overview)) {
    let json: unknown;
    try {
      json = endpoint === '/api/overview' ? overview : await handleApi(run, endpoint);
    } catch (error) {
      if (!(error instanceof HttpError) && (error as NodeJS.ErrnoException)?.code !== 'ENOENT') throw error;
      options.onWarning?.(`${endpoint}: ${describeError(error).message} (not exported)`);
      progress({ phase: 'data', done: ++written, total: totalEndpoints });
      continue;
    }
    for (const f of referencedFiles(endpoint, json)) referenced.add(f);
    const path = join(out, staticDataPath(endpoint));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, dataScript(endpoint, json));
    files++;
    progress({ phase: 'data', done: ++written, total: totalEndpoints });
  }

  if (options.thumbs !== false) {
    await mkdir(join(out, 'thumb'), { recursive: true });
    let done = 0;
    const queue = images.map((r) => r.index);
    const worker = async () => {
      for (let index = queue.shift(); index !== undefined; index = queue.shift()) {
        try {
          await writeFile(join(out, 'thumb', `${index}.png`), await thumbnail(run, index, 128));
          files++;
        } catch (error) {
          options.onWarning?.(`thumbnail of image ${index}: ${describeError(error).message} (not exported)`);
        }
        progress({ phase: 'thumbs', done: ++done, total: images.length });
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
  }

  const list = [...referenced].sort();
  for (const [i, rel] of list.entries()) {
    const from = join(run.dir, rel);
    const real = await realpath(from).catch(() => null);
    // Only regular files inside RUN, as the server's /files route allows.
    if (real && real.startsWith(run.dir + sep) && (await stat(real)).isFile() && !relative(run.dir, real).startsWith('..')) {
      const to = join(out, 'files', rel);
      await mkdir(dirname(to), { recursive: true });
      await writeFile(to, await readFile(real));
      files++;
    }
    progress({ phase: 'files', done: i + 1, total: list.length });
  }
  return { out, files, endpoints: written };
}

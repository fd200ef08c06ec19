/**
 * The one table from API paths to handlers, used by the HTTP server and by the static export
 * (which calls {@link handleApi} without HTTP). Paths are split on '/' before decoding, so a layer
 * id holding '/' travels as one `%2F`-encoded segment.
 */
import { attributionDetail, listAttribution } from './attribution.js';
import { circuitDetail, listCircuits } from './circuits.js';
import { concepts, searchConcepts } from './concepts.js';
import { badRequest, notFound } from './http-error.js';
import { imageDetail, imagesPage } from './images.js';
import { neuronsPage } from './layer-grid.js';
import { liveInfo } from './live.js';
import { neuronDetail } from './neurons.js';
import { overview } from './overview.js';
import { listProbes, probeLayer } from './probes.js';
import type { RunIndex } from './run-index.js';

type Handler = (run: RunIndex, params: string[], query: URLSearchParams) => Promise<unknown>;

/** Patterns as segment lists; `:x` matches one segment. Order matters only for literal-vs-param overlaps. */
const ROUTES: [string, Handler][] = [
  ['/api/overview', (run) => overview(run)],
  ['/api/layers/:layer/neurons', (run, [layer], q) => neuronsPage(run, layer!, q)],
  ['/api/neuron/:layer/:c', (run, [layer, c], q) => neuronDetail(run, layer!, c!, q)],
  ['/api/concepts/:layer/search', (run, [layer], q) => searchConcepts(run, layer!, q)],
  ['/api/concepts/:layer', (run, [layer]) => concepts(run, layer!)],
  ['/api/circuits', (run) => listCircuits(run)],
  ['/api/circuits/:name', (run, [name]) => circuitDetail(run, name!)],
  ['/api/attribution', (run) => listAttribution(run)],
  ['/api/attribution/:name', (run, [name]) => attributionDetail(run, name!)],
  ['/api/probes', (run) => listProbes(run)],
  ['/api/probes/:layer', (run, [layer]) => probeLayer(run, layer!)],
  ['/api/images', (run, _p, q) => imagesPage(run, q)],
  ['/api/image/:index', (run, [index]) => imageDetail(run, index!)],
  ['/api/live', (run) => liveInfo(run)],
];

const COMPILED = ROUTES.map(([pattern, handler]) => ({ parts: pattern.split('/').filter((s) => s !== ''), handler }));

/** Decoded segments of a raw path, or a 400 for malformed percent-encoding. */
export function pathSegments(rawPath: string): string[] {
  return rawPath
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        throw badRequest('malformed percent-encoding in the path');
      }
    });
}

function match(segments: readonly string[]): { handler: Handler; params: string[] } | null {
  for (const { parts, handler } of COMPILED) {
    if (parts.length !== segments.length) continue;
    const params: string[] = [];
    let ok = true;
    for (let i = 0; i < parts.length && ok; i++) {
      if (parts[i]!.startsWith(':')) params.push(segments[i]!);
      else ok = parts[i] === segments[i];
    }
    if (ok) return { handler, params };
  }
  return null;
}

/** The JSON body of an API request (`/api/...?query`); throws HttpError (404 for unknown paths). */
export async function handleApi(run: RunIndex, endpoint: string): Promise<unknown> {
  const q = endpoint.indexOf('?');
  const rawPath = q < 0 ? endpoint : endpoint.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : endpoint.slice(q + 1));
  const found = match(pathSegments(rawPath));
  if (!found) throw notFound(`endpoint ${rawPath}`);
  return found.handler(run, found.params, query);
}

// The data layer. Server mode: fetch('api/…') relative to the page, so the explorer works behind
// any sub-path. Static export (window[STATIC_FLAG] set by the exported index.html): each endpoint's
// JSON lives in a script file that calls window[STATIC_CALLBACK](endpoint, json) — classic scripts
// load from file:// where fetch does not. Responses are cached per endpoint.
import { useEffect, useState } from 'react';
import { canonicalEndpoint, STATIC_CALLBACK, STATIC_FLAG, staticDataPath } from './contract.js';

type Global = Record<string, unknown>;
const global = window as unknown as Global;

export function isStatic(): boolean {
  return global[STATIC_FLAG] === true;
}

const cache = new Map<string, Promise<unknown>>();
const waiting = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

function installCallback(): void {
  if (typeof global[STATIC_CALLBACK] === 'function') return;
  global[STATIC_CALLBACK] = (endpoint: string, json: unknown) => {
    const key = canonicalEndpoint(endpoint);
    const w = waiting.get(key);
    if (!w) return;
    waiting.delete(key);
    w.resolve(json);
  };
}

function loadStatic(endpoint: string): Promise<unknown> {
  installCallback();
  return new Promise((resolve, reject) => {
    waiting.set(endpoint, { resolve, reject });
    const script = document.createElement('script');
    script.src = staticDataPath(endpoint);
    script.async = true;
    script.onerror = () => {
      waiting.delete(endpoint);
      reject(new Error(`this view is not part of the static export (${endpoint})`));
    };
    script.onload = () => {
      script.remove();
      // A data file that loaded but did not call back is malformed.
      const w = waiting.get(endpoint);
      if (w) {
        waiting.delete(endpoint);
        w.reject(new Error(`static data file for ${endpoint} did not deliver its data`));
      }
    };
    document.head.appendChild(script);
  });
}

async function loadServer(endpoint: string): Promise<unknown> {
  let response: Response;
  try {
    // Relative to the page ('/api/x' → 'api/x') so a sub-path mount keeps working.
    response = await fetch(endpoint.replace(/^\//, ''), { headers: { accept: 'application/json' } });
  } catch (e) {
    throw new Error(`the explorer server did not answer (${endpoint}): ${e instanceof Error ? e.message : String(e)}`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const message = body && typeof body === 'object' && 'error' in body ? String((body as { error: unknown }).error) : `${response.status} ${response.statusText}`;
    throw new Error(message);
  }
  if (body === undefined) throw new Error(`the server sent no JSON for ${endpoint}`);
  return body;
}

/** The JSON of an API endpoint ('/api/overview', '/api/neuron/layer4.1/17', …), cached. */
export function load<T>(raw: string): Promise<T> {
  const endpoint = canonicalEndpoint(raw);
  let promise = cache.get(endpoint);
  if (!promise) {
    promise = isStatic() ? loadStatic(endpoint) : loadServer(endpoint);
    // Failures are not cached, so navigating back retries.
    promise.catch(() => cache.delete(endpoint));
    cache.set(endpoint, promise);
  }
  return promise as Promise<T>;
}

export interface State<T> {
  data?: T;
  error?: unknown;
}

/** Loads an endpoint for a component; null loads nothing. */
export function useApi<T>(raw: string | null): State<T> {
  const endpoint = raw === null ? null : canonicalEndpoint(raw);
  const [state, setState] = useState<State<T> & { endpoint?: string | null }>({});
  useEffect(() => {
    if (endpoint === null) return;
    let live = true;
    load<T>(endpoint).then(
      (data) => live && setState({ data, endpoint }),
      (error: unknown) => live && setState({ error, endpoint }),
    );
    return () => {
      live = false;
    };
  }, [endpoint]);
  // A stale state from the previous endpoint is never shown.
  return state.endpoint === endpoint ? state : {};
}

/** URL of a recorded image's thumbnail (relative: works under a sub-path and in the export). */
export function imageUrl(index: number): string {
  return isStatic() ? `thumb/${index}.png` : `thumb/${index}?size=128`;
}

/** Builds an endpoint string: api('neuron', layer, 3) → '/api/neuron/LAYER/3'. */
export function api(...segments: (string | number)[]): string {
  return '/api/' + segments.map((s) => encodeURIComponent(String(s))).join('/');
}

/** Adds query parameters (sorted later by canonicalEndpoint). */
export function withQuery(endpoint: string, params: Record<string, string | number | undefined>): string {
  const pairs = Object.entries(params).filter(([, v]) => v !== undefined && v !== '');
  if (pairs.length === 0) return endpoint;
  return endpoint + '?' + pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&');
}

/** URL of a run file (PNG curves, sprites) served by the files route. */
export function fileUrl(path: string): string {
  return `files/${path.split('/').map(encodeURIComponent).join('/')}`;
}

// Hash routing: the page path lives after '#', so the static export works from disk and every view
// has a stable, shareable URL (#/neuron/layer4.1/17).
import { useEffect, useState } from 'react';

export type Route =
  | { page: 'overview' }
  | { page: 'layer'; layer: string }
  | { page: 'neuron'; layer: string; channel: number }
  | { page: 'concepts'; layer?: string; cluster?: string }
  | { page: 'circuits' }
  | { page: 'circuit'; name: string; circuit?: string }
  | { page: 'probes'; layer?: string }
  | { page: 'attributions' }
  | { page: 'attribution'; name: string }
  | { page: 'images' }
  | { page: 'image'; index: number }
  | { page: 'not-found'; path: string };

function segments(hash: string): string[] {
  const path = hash.replace(/^#/, '').replace(/^\//, '').split('?')[0] ?? '';
  return path.split('/').filter((s) => s.length > 0).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
}

function integer(text: string | undefined): number | undefined {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

/** The route a location hash names. */
export function parseRoute(hash: string): Route {
  const [head, a, b, ...rest] = segments(hash);
  const notFound: Route = { page: 'not-found', path: hash };
  if (rest.length > 0) return notFound;
  switch (head) {
    case undefined:
      return { page: 'overview' };
    case 'layer':
      return a !== undefined && b === undefined ? { page: 'layer', layer: a } : notFound;
    case 'neuron': {
      const channel = integer(b);
      return a !== undefined && channel !== undefined ? { page: 'neuron', layer: a, channel } : notFound;
    }
    case 'concepts':
      return { page: 'concepts', layer: a, cluster: b };
    case 'circuits':
      return a === undefined ? { page: 'circuits' } : notFound;
    case 'circuit':
      return a !== undefined ? { page: 'circuit', name: a, circuit: b } : notFound;
    case 'probes':
      return b === undefined ? { page: 'probes', layer: a } : notFound;
    case 'attribution':
      if (a === undefined) return { page: 'attributions' };
      return b === undefined ? { page: 'attribution', name: a } : notFound;
    case 'images':
      return a === undefined ? { page: 'images' } : notFound;
    case 'image': {
      const index = integer(a);
      return index !== undefined && b === undefined ? { page: 'image', index } : notFound;
    }
    default:
      return notFound;
  }
}

/** The href of a route's page ('#/neuron/layer4.1/17'). */
export function href(...parts: (string | number)[]): string {
  return '#/' + parts.map((p) => encodeURIComponent(String(p))).join('/');
}

export const links = {
  overview: () => href(),
  layer: (layer: string) => href('layer', layer),
  neuron: (layer: string, channel: number) => href('neuron', layer, channel),
  concepts: (layer?: string, cluster?: string) => href('concepts', ...(layer === undefined ? [] : [layer]), ...(cluster === undefined ? [] : [cluster])),
  circuits: () => href('circuits'),
  circuit: (name: string, circuit?: string) => (circuit === undefined ? href('circuit', name) : href('circuit', name, circuit)),
  probes: (layer?: string) => (layer === undefined ? href('probes') : href('probes', layer)),
  attributions: () => href('attribution'),
  attribution: (name: string) => href('attribution', name),
  images: () => href('images'),
  image: (index: number) => href('image', index),
};

/** The query part of a location hash ('#/image/3?iv=…' → iv=…). */
export function hashQuery(hash: string): URLSearchParams {
  const at = hash.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : hash.slice(at + 1));
}

/** Replaces the query part of the current hash (a new history entry, so Back undoes it). */
export function setHashQuery(query: string): void {
  const hash = window.location.hash;
  const at = hash.indexOf('?');
  window.location.hash = (at < 0 ? hash : hash.slice(0, at)) + query;
}

/** The current location hash; re-renders on hash changes. */
export function useHash(): string {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return hash;
}

/** The current route; re-renders on hash changes. */
export function useRoute(): Route {
  return parseRoute(useHash());
}

/** Sets the document title for the page being shown. */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · neurolens` : 'neurolens';
  }, [title]);
}

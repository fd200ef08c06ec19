// Filters of the layer page in the static export, which holds every page of every sort but no
// filtered pages: a filtered view loads the sort's pages once (a 2,048-neuron layer is 21 small
// data scripts) and filters them here with the server's own predicate, so both modes agree.
import { useEffect, useState } from 'react';
import { neuronMatches, type NeuronFilter, type NeuronRow, type NeuronSort, type NeuronsPage } from './contract.js';
import { api, load, withQuery } from './data.js';
import { PAGE_SIZE, type Paged } from './paging.js';

async function allRows(layer: string, sort: NeuronSort): Promise<NeuronRow[]> {
  const page = (offset: number) => load<NeuronsPage>(withQuery(api('layers', layer, 'neurons'), { offset, limit: PAGE_SIZE, sort }));
  const first = await page(0);
  const rest = [];
  for (let offset = PAGE_SIZE; offset < first.total; offset += PAGE_SIZE) rest.push(page(offset));
  return [first, ...(await Promise.all(rest))].flatMap((p) => p.neurons);
}

/** The filtered rows as a Paged list when `filter` is set (null otherwise: the caller pages from the server). */
export function useLocalFilter(layer: string, sort: NeuronSort, filter: NeuronFilter | null): Paged<NeuronRow> | null {
  const key = `${layer}|${sort}`;
  const [state, setState] = useState<{ key: string; rows?: NeuronRow[]; error?: unknown }>({ key });
  const active = filter !== null;
  useEffect(() => {
    if (!active) return;
    let live = true;
    allRows(layer, sort).then(
      (rows) => live && setState({ key, rows }),
      (error: unknown) => live && setState({ key, error }),
    );
    return () => {
      live = false;
    };
  }, [active, key, layer, sort]);
  if (!filter) return null;
  const current = state.key === key ? state : { key };
  const rows = current.rows?.filter((r) => neuronMatches(r, filter));
  return { total: rows?.length, error: current.error, row: (i) => rows?.[i], want: () => {} };
}

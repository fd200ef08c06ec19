// #/layer/LAYER — every neuron of a layer in a virtualised, sortable list (pages fetched as needed).
import { useState } from 'react';
import { NEURON_SORTS, type NeuronRow, type NeuronSort, type NeuronsPage } from '../contract.js';
import { api, withQuery } from '../data.js';
import { usePaged } from '../paging.js';
import { links, usePageTitle } from '../router.js';
import { VirtualList } from '../components/VirtualList.js';
import { ErrorBanner, Loading } from '../components/Status.js';
import { fmt, pct } from '../format.js';

const sortLabels: Record<NeuronSort, string> = { rate: 'activation rate', index: 'index', maxact: 'max activation' };

export function LayerPage({ layer }: { layer: string }) {
  usePageTitle(`Layer ${layer}`);
  const [sort, setSort] = useState<NeuronSort>('rate');
  const paged = usePaged<NeuronsPage, NeuronRow>(
    `${layer}|${sort}`,
    (offset, limit) => withQuery(api('layers', layer, 'neurons'), { offset, limit, sort }),
    (r) => ({ total: r.total, rows: r.neurons }),
  );
  const maxRate = 1;
  return (
    <>
      <h1>
        Layer <code>{layer}</code>
      </h1>
      <div className="toolbar">
        <label>
          Sort by{' '}
          <select value={sort} onChange={(e) => setSort(e.target.value as NeuronSort)} data-testid="neuron-sort">
            {NEURON_SORTS.map((s) => (
              <option key={s} value={s}>
                {sortLabels[s]}
              </option>
            ))}
          </select>
        </label>
        {paged.total !== undefined && <span className="muted" data-testid="neuron-total">{paged.total} neurons</span>}
        <a href={links.concepts(layer)}>concepts of this layer</a>
      </div>
      {paged.error !== undefined && <ErrorBanner error={paged.error} />}
      {paged.total === undefined && paged.error === undefined && <Loading what="neurons" />}
      {paged.total !== undefined && (
        <VirtualList
          label={`neurons of ${layer}`}
          testId="neuron-list"
          count={paged.total}
          rowHeight={34}
          onRange={paged.want}
          row={(i) => {
            const n = paged.row(i);
            if (!n) return <span className="muted">…</span>;
            return (
              <>
                <a href={links.neuron(layer, n.index)} className="cell" data-testid="neuron-row">
                  #{n.index}
                </a>
                <span className="cell" title="activation rate">
                  <span className="bar" style={{ width: `${Math.round(60 * Math.min(1, n.rate / maxRate))}px` }} /> {pct(n.rate)}
                </span>
                <span className="cell muted" title="max activation">
                  max {fmt(n.max)}
                </span>
                <span className="cell muted" title="mean activation">
                  mean {fmt(n.mean)}
                </span>
                {n.label && (n.label.text !== null ? <span title={`from ${n.label.source}`}>{n.label.text}</span> : <span className="muted">unlabelled</span>)}
              </>
            );
          }}
        />
      )}
    </>
  );
}

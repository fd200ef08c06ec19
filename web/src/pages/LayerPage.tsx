// #/layer/LAYER — every neuron of a layer as a grid of cards (feature visualisation, strongest
// images, label with its check, rate, probe AUC, circuits) or as a compact list; sorted and
// filtered by the server, pages fetched as the view scrolls. The static export holds every sort
// but no filtered pages, so there a filtered view is cut locally (../local-filter.ts).
import { useEffect, useState } from 'react';
import { CIRCUIT_FILTER_ANY, CIRCUIT_FILTER_NONE, NEURON_SORTS, type NeuronFilter, type NeuronRow, type NeuronSort, type NeuronsPage } from '../contract.js';
import { api, isStatic, useApi, withQuery } from '../data.js';
import { PAGE_SIZE, usePaged, type Paged } from '../paging.js';
import { useLocalFilter } from '../local-filter.js';
import { links, usePageTitle } from '../router.js';
import { NeuronGrid } from '../components/NeuronGrid.js';
import { VirtualList } from '../components/VirtualList.js';
import { ErrorBanner, Loading } from '../components/Status.js';
import { fmt, pct } from '../format.js';

const sortLabels: Record<NeuronSort, string> = { rate: 'activation rate', index: 'index', maxact: 'max activation', label: 'label (A–Z)', auc: 'probe AUC', circuits: 'circuits' };

/** The filter inputs as typed (rates in per cent). */
interface Filters {
  q: string;
  minRate: string;
  maxRate: string;
  minAuc: string;
  circuit: string;
}
const NO_FILTERS: Filters = { q: '', minRate: '', maxRate: '', minAuc: '', circuit: '' };

/** A share query parameter from an input (per cent when `percent`), or undefined when empty or out of range. */
function share(text: string, percent: boolean): number | undefined {
  if (text.trim() === '') return undefined;
  const value = Number(text) / (percent ? 100 : 1);
  return Number.isFinite(value) && value >= 0 && value <= 1 ? value : undefined;
}

/** The filter the inputs ask for, or null when none is set. */
function filterOf(f: Filters): NeuronFilter | null {
  const filter: NeuronFilter = { q: f.q.trim(), minRate: share(f.minRate, true) ?? null, maxRate: share(f.maxRate, true) ?? null, minAuc: share(f.minAuc, false) ?? null, circuit: f.circuit || null };
  return filter.q === '' && filter.minRate === null && filter.maxRate === null && filter.minAuc === null && filter.circuit === null ? null : filter;
}

function filterParams(f: NeuronFilter | null): Record<string, string | number | undefined> {
  if (!f) return {};
  return { q: f.q || undefined, minRate: f.minRate ?? undefined, maxRate: f.maxRate ?? undefined, minAuc: f.minAuc ?? undefined, circuit: f.circuit ?? undefined };
}

/** `value` once it has stopped changing for `ms` (so typing does not send a request per key). */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

function FilterBar({ filters, set, circuits, probes }: { filters: Filters; set: (f: Filters) => void; circuits: string[]; probes: boolean }) {
  const field = (key: keyof Filters) => ({ value: filters[key], onChange: (e: { target: { value: string } }) => set({ ...filters, [key]: e.target.value }) });
  return (
    <div className="toolbar" data-testid="neuron-filters">
      <input type="search" placeholder="label contains…" aria-label="filter by label" data-testid="filter-label" {...field('q')} />
      <label>
        rate ≥ <input type="number" min={0} max={100} step={1} className="narrow" aria-label="minimum activation rate (%)" data-testid="filter-min-rate" {...field('minRate')} /> %
      </label>
      <label>
        ≤ <input type="number" min={0} max={100} step={1} className="narrow" aria-label="maximum activation rate (%)" data-testid="filter-max-rate" {...field('maxRate')} /> %
      </label>
      {probes && (
        <label>
          probe AUC ≥ <input type="number" min={0} max={1} step={0.05} className="narrow" aria-label="minimum probe AUC" data-testid="filter-min-auc" {...field('minAuc')} />
        </label>
      )}
      <select aria-label="circuit membership" data-testid="filter-circuit" {...field('circuit')}>
        <option value="">any circuit membership</option>
        <option value={CIRCUIT_FILTER_ANY}>in a circuit</option>
        <option value={CIRCUIT_FILTER_NONE}>in no circuit</option>
        {circuits.map((c) => (
          <option key={c} value={c}>
            in circuit {c}
          </option>
        ))}
      </select>
      {Object.values(filters).some((v) => v !== '') && (
        <button type="button" onClick={() => set(NO_FILTERS)} data-testid="filter-clear">
          clear filters
        </button>
      )}
    </div>
  );
}

function VisualizeNote({ layer, page }: { layer: string; page: NeuronsPage }) {
  const a = page.layerAnalyses;
  if (a.visualized === 0) {
    return (
      <p className="muted" data-testid="vis-summary">
        No feature visualisations for this layer yet — run <code>neurolens visualize --model MODEL --run RUN --layers {layer}</code>.
      </p>
    );
  }
  return (
    <p className="muted" data-testid="vis-summary">
      Feature visualisations: {a.visualized} of {page.channels} neurons; {a.visualizedPassed} pass their check (the image drives its neuron at least as high as the neuron's best dataset image).
    </p>
  );
}

function NeuronList({ layer, total, paged }: { layer: string; total: number; paged: Paged<NeuronRow> }) {
  return (
    <VirtualList
      label={`neurons of ${layer}`}
      testId="neuron-list"
      count={total}
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
              <span className="bar" style={{ width: `${Math.round(60 * Math.min(1, n.rate))}px` }} /> {pct(n.rate)}
            </span>
            <span className="cell muted" title="max activation">
              max {fmt(n.max)}
            </span>
            <span className="cell muted" title="best probe AUC">
              {n.probe ? `AUC ${fmt(n.probe.auc, 2)}` : ''}
            </span>
            {n.label &&
              (n.labelCheck === 'fail' ? (
                <span className="check-failed">✗ unlabelled</span>
              ) : n.label.text !== null ? (
                <span title={`from ${n.label.source}`} className={n.labelCheck === 'unchecked' ? 'label-unchecked' : undefined}>
                  {n.labelCheck === 'unchecked' ? '⚠ ' : ''}
                  {n.label.text}
                </span>
              ) : (
                <span className="muted">unlabelled</span>
              ))}
          </>
        );
      }}
    />
  );
}

export function LayerPage({ layer }: { layer: string }) {
  usePageTitle(`Layer ${layer}`);
  const [sort, setSort] = useState<NeuronSort>('rate');
  const [view, setView] = useState<'grid' | 'list'>('grid');
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const filter = filterOf(useSettled(filters, 250));
  // The static export has no filtered pages: there the server pages stay unfiltered and the local filter cuts them.
  const params = isStatic() ? {} : filterParams(filter);
  const key = `${layer}|${sort}|${JSON.stringify(params)}`;
  const served = usePaged<NeuronsPage, NeuronRow>(
    key,
    (offset, limit) => withQuery(api('layers', layer, 'neurons'), { offset, limit, sort, ...params }),
    (r) => ({ total: r.total, rows: r.neurons }),
  );
  const paged = useLocalFilter(layer, sort, isStatic() ? filter : null) ?? served;
  // The unfiltered first page (usually already loaded) says what the layer's analyses hold.
  const head = useApi<NeuronsPage>(withQuery(api('layers', layer, 'neurons'), { offset: 0, limit: PAGE_SIZE, sort }));
  const filtered = filter !== null;
  const listing = `${layer}|${sort}|${JSON.stringify(filter)}`;
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
        <span role="group" aria-label="view">
          {(['grid', 'list'] as const).map((v) => (
            <button key={v} type="button" aria-pressed={view === v} onClick={() => setView(v)} data-testid={`view-${v}`}>
              {v}
            </button>
          ))}
        </span>
        {paged.total !== undefined && (
          <span className="muted" data-testid="neuron-total">
            {filtered && head.data ? `${paged.total} of ${head.data.channels} neurons` : `${paged.total} neurons`}
          </span>
        )}
        <a href={links.concepts(layer)}>concepts of this layer</a>
      </div>
      {head.data && <FilterBar filters={filters} set={setFilters} circuits={head.data.layerAnalyses.circuits} probes={head.data.layerAnalyses.probes} />}
      {head.data && view === 'grid' && <VisualizeNote layer={layer} page={head.data} />}
      {paged.error !== undefined && <ErrorBanner error={paged.error} />}
      {paged.total === undefined && paged.error === undefined && <Loading what="neurons" />}
      {paged.total === 0 && <p className="muted" data-testid="neuron-none">No neuron matches these filters.</p>}
      {/* Keyed by the listing, so a new sort or filter starts at the top. */}
      {paged.total !== undefined && paged.total > 0 && (view === 'grid' ? <NeuronGrid key={listing} layer={layer} total={paged.total} paged={paged} /> : <NeuronList key={listing} layer={layer} total={paged.total} paged={paged} />)}
    </>
  );
}

// #/concepts/LAYER[/CLUSTER] — the concept hierarchy of a layer as a collapsible tree, with a
// caption search (filtered locally, so it works in the static export too).
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { ConceptsResponse, OverviewResponse } from '../contract.js';
import { api, useApi } from '../data.js';
import { links, usePageTitle } from '../router.js';
import { Loaded } from '../components/Status.js';
import { ConceptNode, type TreeState } from '../components/ConceptNode.js';

export function ConceptsPage({ layer, focus }: { layer?: string; focus?: string }) {
  const overview = useApi<OverviewResponse>('/api/overview');
  const layers = overview.data?.analyses.concepts.map((c) => c.layer) ?? [];
  const chosen = layer ?? layers[0];
  usePageTitle(chosen ? `Concepts ${chosen}` : 'Concepts');
  return (
    <>
      <h1>Concept tree {chosen && <code>{chosen}</code>}</h1>
      <Loaded state={overview} what="the run">
        {() =>
          layers.length === 0 ? (
            <p className="muted">This run has no concepts (run `npx neurolens concepts`).</p>
          ) : (
            <>
              <nav className="toolbar" aria-label="concept layers">
                Layer:
                {layers.map((l) => (
                  <a key={l} href={links.concepts(l)} aria-current={l === chosen ? 'page' : undefined}>
                    {l}
                  </a>
                ))}
              </nav>
              {chosen && <ConceptsOfLayer layer={chosen} focus={focus} />}
            </>
          )
        }
      </Loaded>
    </>
  );
}

function ancestors(byId: Map<string, { parent: string | null }>, id: string): string[] {
  const out: string[] = [];
  let p = byId.get(id)?.parent ?? null;
  while (p !== null && !out.includes(p)) {
    out.push(p);
    p = byId.get(p)?.parent ?? null;
  }
  return out;
}

function ConceptsOfLayer({ layer, focus }: { layer: string; focus?: string }) {
  const state = useApi<ConceptsResponse>(api('concepts', layer));
  return (
    <Loaded state={state} what="concepts">
      {(data) => <Tree data={data} layer={layer} focus={focus} />}
    </Loaded>
  );
}

function Tree({ data, layer, focus }: { data: ConceptsResponse; layer: string; focus?: string }) {
  const byId = useMemo(() => new Map(data.clusters.map((c) => [c.id, c])), [data]);
  const roots = useMemo(() => data.clusters.filter((c) => c.parent === null || !byId.has(c.parent)).map((c) => c.id), [data, byId]);
  const [expanded, setExpanded] = useState<Set<string>>(() => new Set(focus ? [...ancestors(byId, focus), focus] : roots.length <= 8 ? roots : []));
  const [query, setQuery] = useState('');
  const toggle = useCallback((id: string) => {
    setExpanded((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }, []);
  const search = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!q) return undefined;
    const matches = new Set(
      data.clusters
        .filter((c) => c.caption.toLowerCase().includes(q) || c.keywords.some((k) => k.toLowerCase().includes(q)) || c.differenceDescription.toLowerCase().includes(q))
        .map((c) => c.id),
    );
    const visible = new Set<string>();
    const open = new Set<string>();
    for (const id of matches) {
      visible.add(id);
      for (const a of ancestors(byId, id)) {
        visible.add(a);
        open.add(a);
      }
    }
    return { matches, visible, open };
  }, [query, data, byId]);
  useEffect(() => {
    if (focus) document.getElementById(`cluster-${focus}`)?.scrollIntoView({ block: 'center' });
  }, [focus]);
  const tree: TreeState = {
    byId,
    layer,
    toggle,
    expanded: search ? new Set([...expanded, ...search.open]) : expanded,
    visible: search?.visible,
    matches: search?.matches,
    focus,
  };
  const shownRoots = roots.filter((r) => !tree.visible || tree.visible.has(r));
  return (
    <>
      <div className="toolbar">
        <label>
          Search captions{' '}
          <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="e.g. flag" data-testid="concept-search" />
        </label>
        <span className="muted" data-testid="concept-count">
          {search ? `${search.matches.size} matching clusters` : `${data.clusters.length} clusters in ${data.levels.length} levels (${data.levels.map((l) => l.clusters).join(' → ')})`}
        </span>
        <button type="button" onClick={() => setExpanded(new Set(data.clusters.filter((c) => c.children.length > 0).map((c) => c.id)))}>
          expand all
        </button>
        <button type="button" onClick={() => setExpanded(new Set())}>
          collapse all
        </button>
      </div>
      {shownRoots.length === 0 && <p className="muted">No cluster matches.</p>}
      <ul className="tree root" data-testid="concept-tree">
        {shownRoots.map((id) => (
          <ConceptNode key={id} id={id} tree={tree} />
        ))}
      </ul>
    </>
  );
}

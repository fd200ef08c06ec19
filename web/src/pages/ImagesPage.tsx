// #/images — every recorded image in a virtualised list with a path/label search. The server
// filters (q=); the static export has no q pages, so there the loaded pages are filtered locally.
import { useEffect, useState } from 'react';
import type { ImageRowView, ImagesPage as ImagesPageResponse } from '../contract.js';
import { isStatic, load, withQuery } from '../data.js';
import { PAGE_SIZE, usePaged } from '../paging.js';
import { links, usePageTitle } from '../router.js';
import { VirtualList } from '../components/VirtualList.js';
import { ErrorBanner, Loading } from '../components/Status.js';
import { ImageBox } from '../components/ImageBox.js';
import { fmt } from '../format.js';

function useDebounced(value: string, ms: number): string {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

export function ImagesPage() {
  usePageTitle('Images');
  const [text, setText] = useState('');
  const q = useDebounced(text.trim(), 200);
  return (
    <>
      <h1>Images</h1>
      <div className="toolbar">
        <label>
          Search{' '}
          <input type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="path or predicted label" data-testid="image-search" />
        </label>
      </div>
      {isStatic() && q ? <StaticSearch q={q} /> : <ServerList q={q} />}
    </>
  );
}

function ServerList({ q }: { q: string }) {
  const paged = usePaged<ImagesPageResponse, ImageRowView>(
    `images|${q}`,
    (offset, limit) => withQuery('/api/images', { offset, limit, q }),
    (r) => ({ total: r.total, rows: r.images }),
  );
  if (paged.error !== undefined) return <ErrorBanner error={paged.error} />;
  if (paged.total === undefined) return <Loading what="images" />;
  return <ImageList count={paged.total} row={paged.row} onRange={paged.want} />;
}

/** Static export: loads every page once, then filters in memory. */
function StaticSearch({ q }: { q: string }) {
  const [all, setAll] = useState<{ rows?: ImageRowView[]; error?: unknown }>({});
  useEffect(() => {
    let live = true;
    (async () => {
      const first = await load<ImagesPageResponse>(withQuery('/api/images', { offset: 0, limit: PAGE_SIZE }));
      const rest = await Promise.all(
        Array.from({ length: Math.ceil(first.total / PAGE_SIZE) - 1 }, (_, i) => load<ImagesPageResponse>(withQuery('/api/images', { offset: (i + 1) * PAGE_SIZE, limit: PAGE_SIZE }))),
      );
      return [first, ...rest].flatMap((p) => p.images);
    })().then(
      (rows) => live && setAll({ rows }),
      (error: unknown) => live && setAll({ error }),
    );
    return () => {
      live = false;
    };
  }, []);
  if (all.error !== undefined) return <ErrorBanner error={all.error} />;
  if (!all.rows) return <Loading what="images" />;
  const needle = q.toLowerCase();
  const rows = all.rows.filter((r) => r.path.toLowerCase().includes(needle) || (r.top1?.label ?? '').toLowerCase().includes(needle));
  return <ImageList count={rows.length} row={(i) => rows[i]} />;
}

function ImageList({ count, row, onRange }: { count: number; row: (i: number) => ImageRowView | undefined; onRange?: (a: number, b: number) => void }) {
  return (
    <>
      <p className="muted" data-testid="image-total">
        {count} images
      </p>
      <VirtualList
        label="images"
        testId="image-list"
        count={count}
        rowHeight={52}
        onRange={onRange}
        row={(i) => {
          const r = row(i);
          if (!r) return <span className="muted">…</span>;
          return (
            <>
              <ImageBox index={r.index} px={44} alt={r.path} />
              <a href={links.image(r.index)} className="cell" data-testid="image-row">
                #{r.index}
              </a>
              <code>{r.path}</code>
              {r.top1 && (
                <span className="muted">
                  → {r.top1.label ?? `class ${r.top1.class}`} ({fmt(r.top1.score, 2)})
                </span>
              )}
            </>
          );
        }}
      />
    </>
  );
}

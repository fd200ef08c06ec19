// Rows of a paginated endpoint, fetched page by page as a virtual list scrolls over them.
import { useCallback, useEffect, useRef, useState } from 'react';
import { load } from './data.js';
import { STATIC_PAGE_SIZE } from './contract.js';

export const PAGE_SIZE = STATIC_PAGE_SIZE;

interface Page<T> {
  total: number;
  rows: T[];
}

export interface Paged<T> {
  total?: number;
  error?: unknown;
  row: (index: number) => T | undefined;
  /** Ensures the pages covering rows first..last are loading. */
  want: (first: number, last: number) => void;
}

/**
 * `endpoint(offset, limit)` builds a page request; `pick` reads the total and rows from its answer.
 * A new `key` (sort, query…) starts over.
 */
export function usePaged<R, T>(key: string, endpoint: (offset: number, limit: number) => string, pick: (response: R) => Page<T>): Paged<T> {
  const [pages, setPages] = useState<{ key: string; total?: number; error?: unknown; rows: Map<number, T[]> }>({ key, rows: new Map() });
  const requested = useRef(new Set<string>());
  const liveKey = useRef(key);
  liveKey.current = key;
  const current = pages.key === key ? pages : { key, rows: new Map<number, T[]>(), total: undefined, error: undefined };

  const fetchPage = useCallback(
    (page: number) => {
      const id = `${key}|${page}`;
      if (requested.current.has(id)) return;
      requested.current.add(id);
      load<R>(endpoint(page * PAGE_SIZE, PAGE_SIZE)).then(
        (response) => {
          if (liveKey.current !== key) return;
          const { total, rows } = pick(response);
          setPages((prev) => {
            const base = prev.key === key ? prev : { key, rows: new Map<number, T[]>() };
            const next = new Map(base.rows);
            next.set(page, rows);
            return { key, total, rows: next };
          });
        },
        (error: unknown) => {
          requested.current.delete(id);
          if (liveKey.current !== key) return;
          setPages((prev) => ({ ...(prev.key === key ? prev : { rows: new Map<number, T[]>() }), key, error }));
        },
      );
    },
    // endpoint/pick are rebuilt every render; the key captures what they depend on.
    [key],
  );

  useEffect(() => {
    // A new key starts from an empty page set (answers stay cached by load()).
    requested.current = new Set();
    fetchPage(0);
  }, [fetchPage]);

  const want = useCallback(
    (first: number, last: number) => {
      for (let p = Math.floor(first / PAGE_SIZE); p <= Math.floor(last / PAGE_SIZE); p++) fetchPage(p);
    },
    [fetchPage],
  );
  const row = (index: number) => current.rows.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
  return { total: current.total, error: current.error, row, want };
}

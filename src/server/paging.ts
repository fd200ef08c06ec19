/** `offset` / `limit` query parameters of the paginated endpoints, validated. */
import { MAX_PAGE_LIMIT, STATIC_PAGE_SIZE } from './api.js';
import { badRequest } from './http-error.js';

function integer(query: URLSearchParams, name: string, fallback: number): number {
  const text = query.get(name);
  if (text === null || text === '') return fallback;
  if (!/^\d{1,9}$/.test(text)) throw badRequest(`${name} must be a non-negative integer`);
  return Number(text);
}

/** The requested page: offset ≥ 0 (past the end gives an empty page), 1 ≤ limit ≤ MAX_PAGE_LIMIT (default STATIC_PAGE_SIZE). */
export function pageOf(query: URLSearchParams, _total: number): { offset: number; limit: number } {
  const offset = integer(query, 'offset', 0);
  const limit = integer(query, 'limit', STATIC_PAGE_SIZE);
  if (limit < 1 || limit > MAX_PAGE_LIMIT) throw badRequest(`limit must be between 1 and ${MAX_PAGE_LIMIT}`);
  return { offset, limit };
}

/**
 * The first screen of the node table before the live rows are in. A 5,000-node snapshot takes seconds over a
 * slow link; the API answers the first page of the same query (filters and order) from its cache in one small
 * response, so the screen is usable at once and the snapshot fills in the rest behind it.
 *
 * Only orders the server computes exactly as the console does qualify: the rows on screen must not move when
 * the live rows replace them. Others (status, roles, age, …) wait for the snapshot as before.
 */
import type { Sort, SortKey } from './filter';

/** Enough rows for a tall screen plus the table's overscan. */
export const FIRST_PAGE_ROWS = 100;

/** Console sort keys → the API's `sort` field, where both give the same order (missing values included). */
const API_SORT: Partial<Record<SortKey, string>> = {
  name: 'name',
  cluster: 'cluster',
  cpu: 'allocatable.cpu',
  memory: 'allocatable.memory',
  taints: 'taints',
  cpuUsed: 'cpuUsed',
  memUsed: 'memUsed',
  cpuRequested: 'cpuRequested',
  memRequested: 'memRequested',
};

/** The API's `sort` for the table's order, or null when the server cannot give the same order. */
export function firstPageSort(sort: Sort | null): string | null {
  const s = sort ?? { key: 'name', desc: false };
  const field = API_SORT[s.key];
  if (!field) return null;
  return s.desc ? `-${field}` : field;
}

/** The saved views routes (docs/API.md, "Saved views"), and how a view maps to and from the Nodes page. */
import type { SavedView, SavedViewInput } from '../../../src/saved-views/types';
import { del, enc, get, post, put } from '../api/http';
import { COLUMNS, type ColumnId } from './columns';

export type { SavedView, SavedViewInput };

export const savedViews = {
  list: () => get<{ items: SavedView[] }>('/views'),
  create: (v: SavedViewInput) => post<{ view: SavedView }>('/views', v),
  replace: (id: string, v: SavedViewInput) => put<{ view: SavedView }>(`/views/${enc(id)}`, v),
  remove: (id: string) => del<void>(`/views/${enc(id)}`),
};

/**
 * What a view keeps of the page's query: everything but the open drawer, which is one node at one moment, not
 * a way of looking at the fleet.
 */
export function viewQuery(q: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(q)) if (k !== 'node' && v) out[k] = v;
  return out;
}

/**
 * The columns a view shows, as this console knows them: ids a newer or older console wrote are dropped, and the
 * columns that cannot be hidden are always there. null when the view leaves the columns alone.
 */
export function viewColumns(v: Pick<SavedView, 'columns'>): Set<ColumnId> | null {
  if (!v.columns) return null;
  const known = new Set<string>(COLUMNS.map((c) => c.id));
  const out = new Set(v.columns.filter((c): c is ColumnId => known.has(c)));
  for (const c of COLUMNS) if (c.fixed) out.add(c.id);
  return out;
}

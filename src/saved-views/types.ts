// A saved view of the Nodes page (docs/API.md, "Saved views"). Types and limits only, so the console shares
// them without bundling server code.

/** A named Nodes page state: filters, sort and cluster scope as its URL query, and the visible columns. */
export interface SavedView {
  id: string;
  name: string;
  /** The Nodes page's URL query (`search`, `status`, `sort`, `cluster`, …) as the console writes it. */
  query: Record<string, string>;
  /** Visible column ids in the console's order; null = applying the view leaves the columns as they are. */
  columns: string[] | null;
  createdAt: string;
  updatedAt: string;
}

/** What a client sends to create or replace a view. */
export interface SavedViewInput {
  name: string;
  query: Record<string, string>;
  columns?: string[] | null;
}

/**
 * Bounds on what one user may keep: enough for every team's favourite filters, small enough that a script
 * cannot grow the database through this door.
 */
export const SAVED_VIEW_LIMITS = {
  viewsPerUser: 50,
  nameLength: 80,
  queryKeys: 24,
  queryKeyLength: 40,
  queryValueLength: 2000,
  columns: 40,
  columnIdLength: 40,
} as const;

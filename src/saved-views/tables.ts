/** Row type of the saved views table (migration 14), added to the store's `Database` by augmentation. */
export interface SavedViewsTable {
  id: string;
  user_id: string;
  name: string;
  /** JSON object of the Nodes page's URL query. */
  query: string;
  /** JSON array of column ids; null = leave the columns as they are. */
  columns: string | null;
  created_at: string;
  updated_at: string;
}

declare module '../store/schema.js' {
  interface Database {
    saved_views: SavedViewsTable;
  }
}

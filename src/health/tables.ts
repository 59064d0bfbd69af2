/** Row type of `node_health` (migration 010), added to the store's `Database` by augmentation. */
export interface NodeHealthTable {
  cluster: string;
  node: string;
  kind: string;
  started_at: string;
  ended_at: string | null;
  started_ms: number;
  ended_ms: number | null;
  status: string | null;
  reason: string | null;
  message: string | null;
  actor: string | null;
}

declare module '../store/schema.js' {
  interface Database {
    node_health: NodeHealthTable;
  }
}

/**
 * Row types of the audit tables (migration 003), added to the store's `Database` by augmentation.
 */
export interface AuditLogTable {
  id: string;
  at: string;
  username: string | null;
  ip: string | null;
  request_id: string | null;
  action: string;
  cluster: string | null;
  /** JSON array */
  nodes: string | null;
  /** JSON object */
  params: string | null;
  outcome: 'success' | 'failure' | 'denied' | 'partial' | 'pending';
  status: number | null;
  message: string | null;
  /** JSON array of per-node outcomes */
  results: string | null;
}
/** One row per (entry, cluster, node) an entry touches; node '' = the cluster as a whole. Filters and access. */
export interface AuditTargetsTable {
  entry_id: string;
  cluster: string;
  node: string;
}

declare module '../store/schema.js' {
  interface Database {
    audit_log: AuditLogTable;
    audit_targets: AuditTargetsTable;
  }
}

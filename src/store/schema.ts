/**
 * Row types of the store, one interface per table, shared by SQLite and PostgreSQL.
 *
 * Portable conventions (both dialects must read and write the same values):
 * - ids and names are text;
 * - timestamps are ISO-8601 UTC strings from `Date.prototype.toISOString()` (fixed width, so they sort
 *   correctly as text and compare with `<`/`>` in SQL) — see `nowIso()` in values.ts;
 * - booleans are integers 0/1 (SQLite has no boolean type);
 * - JSON documents are text (`toJson`/`fromJson` in values.ts), never a dialect-specific json column;
 * - integer columns come back as JS numbers on both dialects (int8 is parsed to number for PostgreSQL).
 *
 * Other parts of the product add their tables by augmenting `Database` from their own files:
 *   declare module '../store/schema.js' { interface Database { users: UsersTable } }
 */

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  applied_at: string;
}

export interface ClustersTable {
  /** DNS-1123 label, the cluster's id everywhere in the product. */
  name: string;
  /** 'kubeconfig' | 'server-context' | 'in-cluster' (the demo cluster is never stored). */
  source: string;
  /** API server URL at the time the cluster was added (display only; connections use the credentials). */
  server: string;
  /** Context name: in the stored kubeconfig, or in the server's own kubeconfig for 'server-context'. */
  context: string;
  /** Encrypted minimal kubeconfig (source 'kubeconfig' only); null when the source holds no secret. */
  credentials_enc: string | null;
  created_at: string;
  created_by: string;
  /** JSON: ClusterOptions (e.g. `{"podIndex": true}`). */
  options: string;
}

/** Scratch rows of the readiness write check; always empty between probes (migration 8). */
export interface StoreProbeTable {
  id: string;
  payload: string;
}

export interface Database {
  schema_migrations: SchemaMigrationsTable;
  clusters: ClustersTable;
  store_probe: StoreProbeTable;
}

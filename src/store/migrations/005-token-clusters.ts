import type { Migration } from '../migrate.js';

/**
 * API tokens narrowed to some clusters: a JSON array of cluster names, null for a token that sees whatever its
 * owner sees (every token made before this migration). A nullable text column needs no default or backfill,
 * and `add column` on one is cheap on both SQLite and PostgreSQL.
 */
export const tokenClusters: Migration = {
  version: 5,
  name: 'token-clusters',
  async up(db) {
    await db.schema.alterTable('api_tokens').addColumn('clusters', 'text').execute();
  },
};

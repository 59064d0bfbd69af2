import type { Migration } from '../migrate.js';

/**
 * Two additions, one version:
 * - `store_probe`, a scratch table for the readiness write check (`/readyz`): each probe inserts a row large
 *   enough to need fresh pages, deletes it and commits, so a database that can no longer grow (disk full,
 *   size limit, read-only file) fails the probe. Nothing stays in it.
 * - templates get an owner and a cluster scope: `owner` (username; null on rows made before, whose owner is
 *   their creator) and `clusters` (JSON list of the clusters the template may be applied to; null = every
 *   cluster, as every template made before this migration).
 */
export const storeProbe: Migration = {
  version: 8,
  name: 'store-probe-template-scope',
  async up(db) {
    await db.schema
      .createTable('store_probe')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('payload', 'text', (c) => c.notNull())
      .execute();
    await db.schema.alterTable('templates').addColumn('owner', 'text').execute();
    await db.schema.alterTable('templates').addColumn('clusters', 'text').execute();
  },
};

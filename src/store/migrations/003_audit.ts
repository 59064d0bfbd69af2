/**
 * The append-only audit log. `audit_targets` lists every (cluster, node) an entry touches so filters by cluster
 * or node, and the visibility rule for cluster-restricted users, are indexed lookups instead of JSON scans.
 */
import type { Migration, MigrationDb } from '../migrate.js';

export const audit: Migration = {
  version: 3,
  name: 'audit',
  async up(db: MigrationDb) {
    await db.schema
      .createTable('audit_log')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('username', 'text')
      .addColumn('ip', 'text')
      .addColumn('request_id', 'text')
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('cluster', 'text')
      .addColumn('nodes', 'text')
      .addColumn('params', 'text')
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('status', 'integer')
      .addColumn('message', 'text')
      .addColumn('results', 'text')
      .execute();
    await db.schema.createIndex('audit_log_at').on('audit_log').columns(['at', 'id']).execute();
    await db.schema.createIndex('audit_log_user').on('audit_log').columns(['username', 'at']).execute();
    await db.schema.createIndex('audit_log_action').on('audit_log').columns(['action', 'at']).execute();

    await db.schema
      .createTable('audit_targets')
      .addColumn('entry_id', 'text', (c) => c.notNull())
      .addColumn('cluster', 'text', (c) => c.notNull())
      .addColumn('node', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('audit_targets_pk', ['entry_id', 'cluster', 'node'])
      .execute();
    await db.schema
      .createIndex('audit_targets_cluster')
      .on('audit_targets')
      .columns(['cluster', 'entry_id'])
      .execute();
    await db.schema
      .createIndex('audit_targets_node')
      .on('audit_targets')
      .columns(['node', 'entry_id'])
      .execute();
  },
};

import type { Migration } from '../migrate.js';

/**
 * `node_health`: one row per interval a node spent in a bad state (not Ready, a pressure condition, network
 * unavailable, cordoned). Keyed by (cluster, node, kind, started_at) so a replica that takes over and records
 * the same interval again upserts instead of duplicating it. Start and end are also kept as epoch
 * milliseconds (bigint) so durations, overlaps with a period and MTTR are plain integer arithmetic in SQL on
 * both dialects; the ISO text columns follow the store's conventions for display and for the key.
 */
export const nodeHealth: Migration = {
  version: 10,
  name: 'node-health',
  async up(db) {
    await db.schema
      .createTable('node_health')
      .addColumn('cluster', 'text', (c) => c.notNull())
      .addColumn('node', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('ended_at', 'text')
      .addColumn('started_ms', 'bigint', (c) => c.notNull())
      .addColumn('ended_ms', 'bigint')
      .addColumn('status', 'text')
      .addColumn('reason', 'text')
      .addColumn('message', 'text')
      .addColumn('actor', 'text')
      .addPrimaryKeyConstraint('node_health_pk', ['cluster', 'node', 'kind', 'started_at'])
      .execute();
    await db.schema.createIndex('node_health_started').on('node_health').columns(['started_ms']).execute();
    await db.schema
      .createIndex('node_health_node')
      .on('node_health')
      .columns(['cluster', 'node', 'started_ms'])
      .execute();
    await db.schema.createIndex('node_health_open').on('node_health').columns(['ended_ms']).execute();
  },
};

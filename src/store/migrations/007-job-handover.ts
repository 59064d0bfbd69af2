import type { Migration } from '../migrate.js';

/**
 * Replicas that survive each other. `jobs` gains what another replica needs to adopt a job whose owner died
 * (`actor`: the submitter's rights as admitted, JSON) and what shows the hand-over (`adopted_by`, `events`:
 * JSON list). `leases` holds one row per leader election (background work runs on one replica at a time);
 * times there are milliseconds since the epoch taken from the database's clock, so replicas' clocks never
 * have to agree.
 */
export const jobHandover: Migration = {
  version: 7,
  name: 'job-handover',
  async up(db) {
    await db.schema.alterTable('jobs').addColumn('actor', 'text').execute();
    await db.schema.alterTable('jobs').addColumn('adopted_by', 'text').execute();
    await db.schema.alterTable('jobs').addColumn('events', 'text').execute();
    await db.schema
      .createTable('leases')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('holder', 'text', (c) => c.notNull())
      .addColumn('expires_ms', 'bigint', (c) => c.notNull())
      .addColumn('acquired_ms', 'bigint', (c) => c.notNull())
      .execute();
  },
};

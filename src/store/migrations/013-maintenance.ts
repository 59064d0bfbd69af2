import type { Migration } from '../migrate.js';

/**
 * Rolling maintenance plans (a job of operation `maintenance`): the plan's pause state, shared by every
 * replica, and one row per node saying which step it is at, so a restarted or adopted plan continues there.
 */
export const maintenance: Migration = {
  version: 13,
  name: 'maintenance',
  async up(db) {
    await db.schema
      .createTable('maintenance_plans')
      .addColumn('job_id', 'text', (c) => c.primaryKey().references('jobs.id').onDelete('cascade'))
      .addColumn('paused', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('pause_reason', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('maintenance_nodes')
      .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('cluster', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('wave', 'integer', (c) => c.notNull())
      .addColumn('step', 'text', (c) => c.notNull())
      .addColumn('step_started_at', 'text')
      .addColumn('gate_on', 'text', (c) => c.notNull())
      .addColumn('saw_not_ready', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('done_requested', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('message', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('maintenance_nodes_pk', ['job_id', 'seq'])
      .execute();
  },
};

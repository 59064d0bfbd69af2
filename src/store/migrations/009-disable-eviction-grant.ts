import type { Migration } from '../migrate.js';

/**
 * The grant to drain with `disableEviction` (pods deleted, PodDisruptionBudgets bypassed), held like the guard
 * override: admins by role, operators only when set. Every account made before has it off.
 */
export const disableEvictionGrant: Migration = {
  version: 9,
  name: 'disable-eviction-grant',
  async up(db) {
    await db.schema
      .alterTable('users')
      .addColumn('can_disable_eviction', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  },
};

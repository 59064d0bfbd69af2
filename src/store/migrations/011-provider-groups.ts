import type { Migration } from '../migrate.js';

/**
 * The groups an identity provider sent at a provider account's last sign-in (JSON list), so that requests to
 * a cluster that acts as the signed-in user carry them as `Impersonate-Group` — sessions and API tokens alike.
 */
export const providerGroups: Migration = {
  version: 11,
  name: 'provider-groups',
  async up(db) {
    await db.schema.alterTable('users').addColumn('groups', 'text').execute();
  },
};

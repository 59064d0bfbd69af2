import type { Migration } from '../migrate.js';

/**
 * A maintenance plan's pause reason and its nodes' step messages keep a code and its parameters next to their
 * English text, as job messages do since migration 15, so the console shows them in the user's language.
 */
export const maintenanceMessageCodes: Migration = {
  version: 16,
  name: 'maintenance-message-codes',
  async up(db) {
    await db.schema.alterTable('maintenance_plans').addColumn('pause_code', 'text').execute();
    await db.schema.alterTable('maintenance_nodes').addColumn('message_code', 'text').execute();
  },
};

import type { Migration } from '../migrate.js';

/**
 * Job and job-node messages keep a code and its parameters next to their English text (src/messages), so the
 * console can show a stored job's results in the user's language.
 */
export const messageCodes: Migration = {
  version: 15,
  name: 'message-codes',
  async up(db) {
    await db.schema.alterTable('jobs').addColumn('message_code', 'text').execute();
    await db.schema.alterTable('job_nodes').addColumn('message_code', 'text').execute();
  },
};

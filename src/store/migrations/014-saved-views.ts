import type { Migration } from '../migrate.js';

/**
 * Saved views of the Nodes page, one set per user: a user's views go when the user is removed, and a name is
 * unique within one user's views only.
 */
export const savedViews: Migration = {
  version: 14,
  name: 'saved-views',
  async up(db) {
    await db.schema
      .createTable('saved_views')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('query', 'text', (c) => c.notNull())
      .addColumn('columns', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('saved_views_user_name')
      .on('saved_views')
      .columns(['user_id', 'name'])
      .unique()
      .execute();
  },
};

import type { Migration } from '../migrate.js';

/**
 * Sign-in providers: where a user comes from (`local`, `oidc`, `ldap`; every existing user is local) and the
 * pending OpenID Connect sign-ins (state, nonce, PKCE verifier) between the redirect to the provider and its
 * callback. Pending sign-ins live in the store, not in memory, so any replica can finish one, and each is
 * deleted when used, which is what makes a replayed `state` fail.
 */
export const signInProviders: Migration = {
  version: 6,
  name: 'sign-in-providers',
  async up(db) {
    await db.schema
      .alterTable('users')
      .addColumn('source', 'text', (c) => c.notNull().defaultTo('local'))
      .execute();
    await db.schema
      .createTable('oidc_logins')
      .addColumn('state_hash', 'text', (c) => c.primaryKey())
      .addColumn('nonce', 'text', (c) => c.notNull())
      .addColumn('code_verifier', 'text', (c) => c.notNull())
      .addColumn('redirect_uri', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('oidc_logins_expires').on('oidc_logins').column('expires_at').execute();
  },
};

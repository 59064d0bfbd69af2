// A provider account (as an OIDC or LDAP sign-in leaves it: source and the provider's groups stored) with an
// API token, for tests of what a cluster that acts as the signed-in user is told.
import { randomUUID } from 'node:crypto';
import type { Role } from '../../src/auth/identity.js';
import { toAuthUser } from '../../src/auth/users.js';
import type { TestApp } from '../server/harness.js';

export async function providerUser(
  t: TestApp,
  username: string,
  groups: string[],
  role: Role = 'operator',
): Promise<Record<string, string>> {
  const sec = t.app.services.security;
  const at = new Date().toISOString();
  await t.app.services.store.db
    .insertInto('users')
    .values({
      id: randomUUID(),
      username,
      password_hash: '!external',
      role,
      clusters: null,
      can_override_guard: 0,
      can_override_system_labels: 0,
      can_disable_eviction: 0,
      created_at: at,
      updated_at: at,
      source: 'oidc',
      groups: JSON.stringify(groups),
    })
    .execute();
  const row = await sec.auth.users.getRowByUsername(username);
  const { secret } = await sec.auth.createToken(
    toAuthUser(row!, 'token'),
    { name: 'test' },
    { ip: '127.0.0.1', requestId: 'provider-user' },
  );
  return { authorization: `Bearer ${secret}` };
}

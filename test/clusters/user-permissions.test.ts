// The per-user permission preflight's memory: one matrix per cluster and identity, for 30 s, bounded, and the
// product's own shared matrix where the cluster does not act as the signed-in user.
import { describe, expect, it } from 'vitest';
import type { ActingIdentity } from '../../src/auth/identity.js';
import type { KubeClient } from '../../src/kube/client.js';
import { UserPermissions } from '../../src/clusters/user-permissions.js';

const who = (username: string, groups: string[] = []): ActingIdentity => ({
  username,
  source: 'oidc',
  role: 'operator',
  groups,
});

function setup(impersonates = true, maxEntries = 100) {
  let t = 0;
  const asked: (string | undefined)[] = [];
  const clientFor = (user?: string) =>
    ({
      request: async (o: { body?: { spec?: { resourceAttributes?: { verb?: string } } } }) => {
        asked.push(user);
        // Everyone may read; only "root" may change anything.
        const verb = o.body?.spec?.resourceAttributes?.verb ?? '';
        return { status: { allowed: user === 'root' || ['get', 'list', 'watch'].includes(verb) } };
      },
    }) as unknown as KubeClient;
  const product = clientFor(undefined);
  const perms = new UserPermissions({
    client: (_c, w) => (w && impersonates ? clientFor(w.username) : product),
    impersonates: () => impersonates,
    maxEntries,
    now: () => t,
  });
  return { perms, asked, advance: (ms: number) => (t += ms) };
}

const label = (m: { operations: { operation: string; allowed: boolean }[] }) =>
  m.operations.find((o) => o.operation === 'label')!.allowed;

describe('per-user permission preflight', () => {
  it('asks as each user, remembers the answer 30 s, then asks again', async () => {
    const { perms, asked, advance } = setup();
    const alice = await perms.get('c', who('alice'));
    expect(alice.actingAs).toBe('alice');
    expect(label(alice)).toBe(false);
    expect(label(await perms.get('c', who('root')))).toBe(true);
    const perMatrix = asked.filter((u) => u === 'alice').length;
    expect(perMatrix).toBeGreaterThan(0);

    advance(29_000);
    await perms.get('c', who('alice'));
    expect(asked.filter((u) => u === 'alice').length).toBe(perMatrix);
    advance(2_000);
    await perms.get('c', who('alice'));
    expect(asked.filter((u) => u === 'alice').length).toBe(2 * perMatrix);
  });

  it('a user with other groups is another answer; a refresh asks again only after a short pause', async () => {
    const { perms, asked, advance } = setup();
    await perms.get('c', who('alice', ['a']));
    const n = asked.length;
    await perms.get('c', who('alice', ['b']));
    expect(asked.length).toBe(2 * n);
    await perms.get('c', who('alice', ['b']), { refresh: true });
    expect(asked.length).toBe(2 * n);
    advance(2_500);
    await perms.get('c', who('alice', ['b']), { refresh: true });
    expect(asked.length).toBe(3 * n);
  });

  it('keeps at most maxEntries answers', async () => {
    const { perms } = setup(true, 3);
    for (const u of ['a', 'b', 'c', 'd', 'e']) await perms.get('c', who(u));
    expect(perms.size).toBe(3);
  });

  it('where the cluster does not impersonate, everyone shares the product’s own matrix', async () => {
    const { perms, asked } = setup(false);
    const m = await perms.get('c', who('alice'));
    expect(m.actingAs).toBeUndefined();
    const n = asked.length;
    await perms.get('c', who('bob'));
    expect(asked.length).toBe(n);
    expect(asked.every((u) => u === undefined)).toBe(true);
    expect(perms.size).toBe(0);
  });
});

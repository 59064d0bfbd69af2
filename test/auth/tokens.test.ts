import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nodeRoutes } from '../../src/api/routes/nodes.js';
import type { CacheManager } from '../../src/cache/manager.js';
import {
  ADMIN_PASSWORD,
  asSession,
  asToken,
  auditEntries,
  createUser,
  signIn,
  dialects,
  startTestApp,
  type HarnessModule,
  type Session,
  type TestApp,
} from './harness.js';

/** A node cache answering one node per cluster asked for, so a list shows which clusters a caller reached. */
const oneNodePerCluster = {
  async queryJson(_q: unknown, clusters: readonly string[]) {
    const items = clusters.map((c) => ({ cluster: c, name: `${c}-node` }));
    return Buffer.from(JSON.stringify({ items, total: items.length }));
  },
} as unknown as CacheManager;
const nodes: HarnessModule = (a) =>
  a.register(nodeRoutes, {
    cache: oneNodePerCluster,
    clusters: { list: () => ['dev', 'prod', 'staging'].map((name) => ({ name })) },
  });

describe.each(dialects)('on $name', (dialect) => {
  let t: TestApp;
  let admin: Session;
  beforeEach(async () => {
    t = await startTestApp({ dialect, modules: [nodes] });
    admin = await signIn(t.app, 'admin', ADMIN_PASSWORD);
  });
  afterEach(async () => {
    await t.close();
  });

  async function newToken(s: Session, payload: Record<string, unknown>) {
    return t.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: asSession(s), payload });
  }
  const post = (url: string, secret: string) =>
    t.app.inject({ method: 'POST', url, headers: asToken(secret), payload: {} });

  describe('API tokens', () => {
    it('shows the secret once, stores only its hash, and authenticates with it', async () => {
      const res = await newToken(admin, { name: 'deploy bot', role: 'operator', expiresInDays: 30 });
      expect(res.statusCode).toBe(201);
      const { token, secret } = res.json();
      expect(secret).toMatch(/^knm_[A-Za-z0-9_-]{43}$/);
      expect(token).toMatchObject({
        name: 'deploy bot',
        role: 'operator',
        username: 'admin',
        lastUsedAt: null,
      });
      expect(token.expiresAt).toBe(new Date(t.clock.now() + 30 * 86_400_000).toISOString());

      const list = await t.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: asSession(admin) });
      expect(list.json().items).toHaveLength(1);
      expect(list.body).not.toContain(secret);
      const rows = await t.store.db.selectFrom('api_tokens').selectAll().execute();
      expect(JSON.stringify(rows)).not.toContain(secret);

      const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: asToken(secret) });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({ user: { username: 'admin', role: 'operator' }, csrfToken: null });
      const after = await t.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: asSession(admin) });
      expect(after.json().items[0].lastUsedAt).toBe(new Date(t.clock.now()).toISOString());
    });

    it('caps the token role at its own role: an operator token cannot do admin things', async () => {
      const { secret } = (await newToken(admin, { name: 'ops', role: 'operator' })).json();
      const before = t.probe.writes.length;
      expect((await post('/api/v1/probe/admin', secret)).statusCode).toBe(403);
      expect((await post('/api/v1/probe/operate', secret)).statusCode).toBe(200);
      expect(t.probe.writes.length).toBe(before + 1);
    });

    it('refuses a token with more than the creator’s role', async () => {
      const u = await createUser(t, admin, 'vik', 'viewer');
      const s = await signIn(t.app, 'vik', u.password);
      const res = await newToken(s, { name: 'escalate', role: 'admin' });
      expect(res.statusCode).toBe(403);
      expect(await t.store.db.selectFrom('api_tokens').selectAll().execute()).toHaveLength(0);
      const entry = (await auditEntries(t, { operation: 'token.create' }))[0];
      expect(entry).toMatchObject({ user: 'vik', outcome: 'denied', status: 403 });
    });

    it('follows its creator: a demoted creator demotes the token, a removed one kills it', async () => {
      const u = await createUser(t, admin, 'oskar', 'operator');
      const s = await signIn(t.app, 'oskar', u.password);
      const { secret } = (await newToken(s, { name: 'mine' })).json();
      expect((await post('/api/v1/probe/operate', secret)).statusCode).toBe(200);

      await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/users/${u.id}`,
        headers: asSession(admin),
        payload: { role: 'viewer' },
      });
      expect((await post('/api/v1/probe/operate', secret)).statusCode).toBe(403);
      const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: asToken(secret) });
      expect(me.json().user.role).toBe('viewer');

      await t.app.inject({ method: 'DELETE', url: `/api/v1/users/${u.id}`, headers: asSession(admin) });
      expect((await post('/api/v1/probe/operate', secret)).statusCode).toBe(401);
    });

    it('stops working when revoked, and only its owner or an admin may revoke it', async () => {
      const u = await createUser(t, admin, 'paula', 'operator');
      const other = await createUser(t, admin, 'quinn', 'operator');
      const s = await signIn(t.app, 'paula', u.password);
      const q = await signIn(t.app, 'quinn', other.password);
      const { token, secret } = (await newToken(s, { name: 'ci' })).json();

      const foreign = await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/tokens/${token.id}`,
        headers: asSession(q),
      });
      expect(foreign.statusCode).toBe(404);
      expect((await post('/api/v1/probe/operate', secret)).statusCode).toBe(200);
      const qList = await t.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: asSession(q) });
      expect(qList.json().items).toEqual([]);

      const del = await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/tokens/${token.id}`,
        headers: asSession(s),
      });
      expect(del.statusCode).toBe(204);
      expect((await post('/api/v1/probe/operate', secret)).statusCode).toBe(401);
      const entries = await auditEntries(t, { operation: 'token' });
      expect(entries.map((e) => [e.action, e.outcome])).toEqual([
        ['token.delete', 'success'],
        ['token.delete', 'failure'],
        ['token.create', 'success'],
      ]);
      expect(JSON.stringify(entries)).not.toContain(secret);
    });

    it('expires', async () => {
      const { secret } = (await newToken(admin, { name: 'short', expiresInDays: 1 })).json();
      t.clock.advance(86_400_000 - 1);
      expect((await post('/api/v1/probe/operate', secret)).statusCode).toBe(200);
      t.clock.advance(1);
      expect((await post('/api/v1/probe/operate', secret)).statusCode).toBe(401);
    });

    it('cannot mint further tokens', async () => {
      const { secret } = (await newToken(admin, { name: 'short', expiresInDays: 1 })).json();
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        headers: asToken(secret),
        payload: { name: 'forever' },
      });
      expect(res.statusCode).toBe(403);
    });

    it('refuses malformed, unknown and look-alike bearer values', async () => {
      for (const authorization of [
        'Bearer',
        'Bearer knm_nope',
        'Basic YWRtaW46eA==',
        `Bearer knm_${'A'.repeat(43)}`,
      ]) {
        const res = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization } });
        expect(res.statusCode).toBe(401);
      }
    });
  });
  describe('tokens narrowed to clusters', () => {
    const get = (url: string, secret: string) =>
      t.app.inject({ method: 'GET', url, headers: asToken(secret) });
    const cordon = (cluster: string, secret: string) =>
      post(`/api/v1/probe/clusters/${cluster}/nodes/n1/cordon`, secret);
    const listed = async (secret: string) =>
      ((await get('/api/v1/nodes', secret)).json().items as { cluster: string }[]).map((n) => n.cluster);
    const meClusters = async (secret: string) => (await get('/api/v1/me', secret)).json().user.clusters;
    const tokenRows = () => t.store.db.selectFrom('api_tokens').selectAll().execute();

    it('reaches only its clusters: other clusters are filtered from lists and refused for operations', async () => {
      const res = await newToken(admin, { name: 'ci', role: 'operator', clusters: ['staging'] });
      expect(res.statusCode).toBe(201);
      expect(res.json().token.clusters).toEqual(['staging']);
      const { secret } = res.json();

      expect(await listed(secret)).toEqual(['staging']);
      expect(await meClusters(secret)).toEqual(['staging']);
      const other = await get('/api/v1/clusters/prod/nodes', secret);
      expect(other.statusCode).toBe(403);
      expect(other.json().error.message).toContain('prod');
      expect((await get('/api/v1/clusters/staging/nodes', secret)).statusCode).toBe(200);

      const before = t.probe.writes.length;
      const refused = await cordon('prod', secret);
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.message).toContain('prod');
      expect((await cordon('staging', secret)).statusCode).toBe(200);
      expect(t.probe.writes.slice(before)).toEqual([{ cluster: 'staging', by: 'admin' }]);

      // The same identity the WebSocket admission and its periodic re-checks use.
      const ws = await t.sec.auth.authenticate(asToken(secret), false);
      expect(ws.ok && ws.user.clusters).toEqual(['staging']);

      // An unnarrowed token of the same creator still reaches everything.
      const all = (await newToken(admin, { name: 'all', role: 'operator' })).json();
      expect(all.token.clusters).toBeNull();
      expect(await listed(all.secret)).toEqual(['dev', 'prod', 'staging']);
      expect((await cordon('prod', all.secret)).statusCode).toBe(200);
    });

    it('lets a restricted creator narrow only within its own clusters, and inherits otherwise', async () => {
      const u = await createUser(t, admin, 'rita', 'operator', { clusters: ['staging', 'dev'] });
      const s = await signIn(t.app, 'rita', u.password);

      const outside = await newToken(s, { name: 'ci', clusters: ['staging', 'prod'] });
      expect(outside.statusCode).toBe(403);
      expect(outside.json().error).toMatchObject({ code: 'Forbidden', field: 'clusters' });
      expect(outside.json().error.message).toContain('"prod"');
      expect(await tokenRows()).toHaveLength(0);
      const denied = (await auditEntries(t, { operation: 'token.create' }))[0];
      expect(denied).toMatchObject({ user: 'rita', outcome: 'denied', status: 403 });

      const inside = (await newToken(s, { name: 'ci', clusters: ['staging'] })).json();
      expect(await listed(inside.secret)).toEqual(['staging']);
      expect((await cordon('dev', inside.secret)).statusCode).toBe(403);

      const inherited = (await newToken(s, { name: 'mine' })).json();
      expect(inherited.token.clusters).toBeNull();
      expect(await listed(inherited.secret)).toEqual(['dev', 'staging']);
      expect((await cordon('prod', inherited.secret)).statusCode).toBe(403);
    });

    it.each([
      [[], /at least one cluster/],
      [['Staging'], /"Staging" is not a valid cluster name/],
      [['-staging'], /"-staging" is not a valid cluster name/],
      [['staging', 'staging'], /"staging" is listed twice/],
      ['staging', /clusters/],
    ])('refuses the cluster list %j with a clear error and saves nothing', async (clusters, message) => {
      const res = await newToken(admin, { name: 'ci', role: 'viewer', clusters });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.field).toBe('clusters');
      expect(res.json().error.message).toMatch(message);
      expect(await tokenRows()).toHaveLength(0);
    });

    it('refuses to narrow an admin token, which could otherwise lift its own restriction', async () => {
      for (const payload of [{ clusters: ['staging'] }, { role: 'admin', clusters: ['staging'] }]) {
        const res = await newToken(admin, { name: 'ci', ...payload });
        expect(res.statusCode).toBe(400);
        expect(res.json().error.message).toMatch(/admin token cannot be restricted/);
      }
      expect(await tokenRows()).toHaveLength(0);
    });

    it('shows each token’s clusters in the list and the audit log, never the secret', async () => {
      const u = await createUser(t, admin, 'oskar', 'operator');
      const s = await signIn(t.app, 'oskar', u.password);
      const narrowed = (await newToken(s, { name: 'ci', clusters: ['staging', 'dev'] })).json();
      expect(narrowed.token.clusters).toEqual(['dev', 'staging']);
      const wide = (await newToken(s, { name: 'ops' })).json();

      const own = await t.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: asSession(s) });
      const byName = Object.fromEntries(
        (own.json().items as { name: string; clusters: unknown }[]).map((x) => [x.name, x.clusters]),
      );
      expect(byName).toEqual({ ci: ['dev', 'staging'], ops: null });
      const all = await t.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: asSession(admin) });
      expect(all.json().items.find((x: { name: string }) => x.name === 'ci')).toMatchObject({
        username: 'oskar',
        clusters: ['dev', 'staging'],
      });
      for (const body of [own.body, all.body]) {
        expect(body).not.toContain(narrowed.secret);
        expect(body).not.toContain(wide.secret);
      }

      const entries = await auditEntries(t, { operation: 'token.create' });
      expect(entries.map((e) => [e.outcome, (e.params as { clusters?: unknown }).clusters])).toEqual([
        ['success', null],
        ['success', ['dev', 'staging']],
      ]);
      expect(JSON.stringify(entries)).not.toContain(narrowed.secret);
    });

    it('follows its creator: narrowing the creator later narrows the token, widening stops at the token', async () => {
      const u = await createUser(t, admin, 'oskar', 'operator');
      const s = await signIn(t.app, 'oskar', u.password);
      const { secret } = (await newToken(s, { name: 'ci', clusters: ['staging', 'dev'] })).json();
      const setClusters = async (clusters: string[] | null) => {
        const res = await t.app.inject({
          method: 'PATCH',
          url: `/api/v1/users/${u.id}`,
          headers: asSession(admin),
          payload: { clusters },
        });
        expect(res.statusCode).toBe(200);
      };
      expect(await listed(secret)).toEqual(['dev', 'staging']);

      await setClusters(['staging', 'prod']);
      expect(await listed(secret)).toEqual(['staging']);
      expect(await meClusters(secret)).toEqual(['staging']);
      expect((await cordon('dev', secret)).statusCode).toBe(403);
      expect((await cordon('prod', secret)).statusCode).toBe(403);
      expect((await cordon('staging', secret)).statusCode).toBe(200);

      await setClusters(['prod']);
      expect(await listed(secret)).toEqual([]);
      expect((await cordon('staging', secret)).statusCode).toBe(403);

      await setClusters(null);
      expect(await listed(secret)).toEqual(['dev', 'staging']);
      expect((await cordon('prod', secret)).statusCode).toBe(403);
    });
  });
});

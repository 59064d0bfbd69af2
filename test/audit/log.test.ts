import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog, startRetention } from '../../src/audit/index.js';
import { createLogger } from '../../src/log/logger.js';
import { openStore, type Store } from '../../src/store/index.js';
import { testDialects, type TestDatabase } from '../store/databases.js';

const T0 = Date.parse('2026-05-01T00:00:00.000Z');

describe.each(testDialects())('on $name', (dialect) => {
  let database: TestDatabase;
  let store: Store;
  let now: number;
  let audit: AuditLog;

  beforeEach(async () => {
    database = await dialect.create();
    store = await openStore(database.cfg);
    now = T0;
    audit = new AuditLog(store.db, () => now);
  });
  afterEach(async () => {
    await store.close();
    await database.drop();
  });

  const base = { ip: '10.0.0.1', requestId: 'r1' };

  describe('AuditLog', () => {
    it('records an entry with per-node results and reads it back', async () => {
      const e = await audit.record({
        ...base,
        user: 'otto',
        action: 'node.cordon',
        cluster: 'prod',
        nodes: ['n1', 'n2'],
        params: { reason: 'kernel upgrade', override: false },
        outcome: 'partial',
        status: 200,
        message: '1 of 2 failed',
        results: [
          { name: 'n1', outcome: 'ok' },
          { name: 'n2', outcome: 'failed', message: 'Conflict' },
        ],
      });
      const { items, nextCursor } = await audit.list();
      expect(nextCursor).toBeUndefined();
      expect(items).toEqual([
        {
          id: e.id,
          at: new Date(T0).toISOString(),
          user: 'otto',
          ip: '10.0.0.1',
          requestId: 'r1',
          action: 'node.cordon',
          cluster: 'prod',
          nodes: ['n1', 'n2'],
          params: { reason: 'kernel upgrade', override: false },
          outcome: 'partial',
          status: 200,
          message: '1 of 2 failed',
          results: [
            { name: 'n1', outcome: 'ok' },
            { name: 'n2', outcome: 'failed', message: 'Conflict' },
          ],
        },
      ]);
    });

    it('redacts secret-named parameters at any depth', async () => {
      await audit.record({
        ...base,
        user: 'a',
        action: 'cluster.create',
        outcome: 'success',
        params: { name: 'c', kubeconfig: 'secret-yaml', auth: { token: 't0k', nested: [{ password: 'p' }] } },
      });
      const [e] = (await audit.list()).items;
      expect(e!.params).toEqual({
        name: 'c',
        kubeconfig: '[redacted]',
        auth: { token: '[redacted]', nested: [{ password: '[redacted]' }] },
      });
    });

    it('filters by user, cluster, node, operation (with prefix), outcome and time range', async () => {
      const rec = (o: Partial<Parameters<AuditLog['record']>[0]>) =>
        audit.record({ ...base, user: 'u', action: 'x', outcome: 'success', ...o });
      await rec({ user: 'ann', action: 'auth.login' });
      now += 1000;
      await rec({ user: 'bob', action: 'node.cordon', cluster: 'prod', nodes: ['n1'] });
      now += 1000;
      await rec({
        user: 'bob',
        action: 'node.labels',
        cluster: 'dev',
        results: [{ name: 'n1', outcome: 'ok' }],
      });
      now += 1000;
      await rec({ user: 'ann', action: 'node.drain', cluster: 'prod', nodes: ['n2'], outcome: 'failure' });
      now += 1000;
      await rec({ user: 'ann', action: 'nodes.other' });

      const actions = async (f: Parameters<AuditLog['list']>[0]) =>
        (await audit.list(f)).items.map((e) => e.action);
      expect(await actions({ user: 'bob' })).toEqual(['node.labels', 'node.cordon']);
      expect(await actions({ cluster: 'prod' })).toEqual(['node.drain', 'node.cordon']);
      expect(await actions({ node: 'n1' })).toEqual(['node.labels', 'node.cordon']);
      expect(await actions({ node: 'n1', cluster: 'dev' })).toEqual(['node.labels']);
      // A trailing * is a prefix; without it the name must match whole.
      expect(await actions({ node: 'n*' })).toEqual(['node.drain', 'node.labels', 'node.cordon']);
      expect(await actions({ node: 'n1*' })).toEqual(['node.labels', 'node.cordon']);
      expect(await actions({ node: 'n' })).toEqual([]);
      expect(await actions({ operation: 'node' })).toEqual(['node.drain', 'node.labels', 'node.cordon']);
      expect(await actions({ operation: 'node.cordon' })).toEqual(['node.cordon']);
      expect(await actions({ outcome: 'failure' })).toEqual(['node.drain']);
      expect(await actions({ from: new Date(T0 + 1000), to: new Date(T0 + 3000) })).toEqual([
        'node.labels',
        'node.cordon',
      ]);
    });

    it('pages with an opaque cursor without gaps or repeats, entries at the same instant included', async () => {
      for (let i = 0; i < 25; i++) {
        if (i % 3 === 0) now += 1;
        await audit.record({ ...base, user: 'u', action: `a.${i}`, outcome: 'success' });
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const p = await audit.list({ limit: 7, cursor });
        seen.push(...p.items.map((e) => e.action));
        cursor = p.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(4);
      expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `a.${24 - i}`));
      await expect(audit.list({ cursor: 'garbage' })).rejects.toMatchObject({ status: 400 });
    });

    it('shows cluster-restricted readers only entries wholly within their clusters, plus their own sign-ins', async () => {
      await audit.record({ ...base, user: 'rita', action: 'auth.login', outcome: 'success' });
      await audit.record({ ...base, user: 'admin', action: 'auth.login', outcome: 'success' });
      await audit.record({
        ...base,
        user: 'otto',
        action: 'node.cordon',
        cluster: 'alpha',
        nodes: ['a1'],
        outcome: 'success',
      });
      await audit.record({
        ...base,
        user: 'otto',
        action: 'node.cordon',
        cluster: 'beta',
        nodes: ['b1'],
        outcome: 'success',
      });
      await audit.record({
        ...base,
        user: 'otto',
        action: 'job.cordon',
        outcome: 'success',
        results: [
          { cluster: 'alpha', name: 'a2', outcome: 'ok' },
          { cluster: 'beta', name: 'b2', outcome: 'ok' },
        ],
      });
      await audit.record({
        ...base,
        user: 'admin',
        action: 'cluster.delete',
        cluster: 'alpha',
        outcome: 'success',
      });
      const reader = { username: 'rita', clusters: ['alpha'] };
      const seen = (await audit.list({}, reader)).items.map(
        (e) => `${e.user} ${e.action} ${e.cluster ?? ''}`,
      );
      expect(seen).toEqual(['admin cluster.delete alpha', 'otto node.cordon alpha', 'rita auth.login ']);
      const none = (await audit.list({}, { username: 'nobody', clusters: [] })).items;
      expect(none).toEqual([]);
      expect((await audit.list({}, { username: 'x', clusters: null })).items).toHaveLength(6);
    });

    it('purges only entries older than the retention, at start and on schedule', async () => {
      now = T0 - 40 * 86_400_000;
      await audit.record({
        ...base,
        user: 'old',
        action: 'a',
        cluster: 'c',
        nodes: ['n'],
        outcome: 'success',
      });
      now = T0 - 29 * 86_400_000;
      await audit.record({ ...base, user: 'recent', action: 'a', outcome: 'success' });
      now = T0;
      const lines: string[] = [];
      const log = createLogger('info', { write: (s: string) => void lines.push(s) });
      const r = startRetention(audit, 30, log);
      // The first call joins the run started at start-up; a later one finds nothing left to purge.
      expect(await r.runNow()).toBe(1);
      expect(await r.runNow()).toBe(0);
      r.stop();
      const left = (await audit.list()).items.map((e) => e.user);
      expect(left).toEqual(['recent']);
      expect(await store.db.selectFrom('audit_targets').selectAll().execute()).toEqual([]);
      expect(lines.join('')).toContain('"purged":1');
      expect(await audit.purge(0)).toBe(0);
    });
  });
});

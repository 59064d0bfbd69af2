// Audit before act: a change reaches a cluster only after its intent is in the store, the same entry then
// carries the result, and a store that cannot write (here a real SQLite database at its size limit, which
// fails exactly as a full disk does: SQLITE_FULL) refuses the change with 503 and sends nothing.
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  asSession,
  auditEntries,
  createUser,
  signIn,
  startTestApp,
  type Session,
  type TestApp,
} from '../auth/harness.js';
import { makeTestApp, type TestApp as ServerApp } from '../server/harness.js';
import { AuditLog } from '../../src/audit/index.js';
import type { Store } from '../../src/store/index.js';
import type { KubeNode } from '../../src/operations/index.js';
import { simFixture, until, type Fixture } from '../operations/fixtures.js';
import { operationsModule } from '../operations/app-module.js';

/**
 * Caps the SQLite file at its current size and fills it with audit entries shaped like `like` until the
 * database refuses one (SQLITE_FULL): an entry of that shape then finds no room in any index it touches.
 * Returns a function that lifts the cap again ("frees the disk").
 */
async function fillStore(
  store: Store,
  like: Parameters<AuditLog['record']>[0],
): Promise<() => Promise<void>> {
  const pages = await sql<{ page_count: number }>`pragma page_count`.execute(store.db);
  await sql.raw(`pragma max_page_count = ${pages.rows[0]!.page_count}`).execute(store.db);
  const filler = new AuditLog(store.db);
  for (let i = 0; i < 100_000; i++) {
    try {
      await filler.record(like);
    } catch (e) {
      expect((e as { code?: string }).code).toBe('SQLITE_FULL');
      return async () => void (await sql.raw('pragma max_page_count = 1073741823').execute(store.db));
    }
  }
  throw new Error('the database never filled up');
}

let t: TestApp;
let f: Fixture;
let op: Session;

beforeAll(async () => {
  f = await simFixture({ nodes: 10 });
  t = await startTestApp({
    modules: [operationsModule(f, 0.5)],
  });
  const admin = await signIn(t.app, 'admin', ADMIN_PASSWORD);
  const o = await createUser(t, admin, 'oscar', 'operator');
  op = await signIn(t.app, 'oscar', o.password);
});

afterAll(async () => {
  await t?.close();
  await f?.close();
});

const call = (method: 'POST' | 'PATCH', url: string, payload?: unknown) =>
  t.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: asSession(op),
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
const patches = () => f.sim.requestCount({ verb: 'patch' });
const nodeOf = (name: string) => f.sim.state.getNode(name) as unknown as KubeNode;

describe('audit before act', () => {
  it('the intent, with the complete change, is stored before the write is sent, and completed after', async () => {
    // The write is held up at the API server: while it is in flight the entry must already be there.
    f.sim.injectFailures({
      verb: 'patch',
      resource: 'nodes',
      name: 'node-0001',
      status: 500,
      times: 1,
      delayMs: 300,
    });
    const before = patches();
    const pending = call('PATCH', '/clusters/c1/nodes/node-0001/labels', {
      set: { 'pool.example.com/tier': 'gold', team: 'payments' },
      remove: ['old'],
    });
    const seen = await until(
      async () => (await auditEntries(t, { operation: 'node.labels' })).find((e) => e.outcome === 'pending'),
      5_000,
      'a pending intent',
    );
    expect(seen).toMatchObject({
      user: 'oscar',
      cluster: 'c1',
      nodes: ['node-0001'],
      params: {
        set: { 'pool.example.com/tier': 'gold', team: 'payments' },
        remove: ['old'],
        allowSystem: false,
      },
    });
    const res = await pending;
    expect(res.statusCode).toBe(502);
    expect(patches()).toBe(before + 1);
    const done = (await auditEntries(t, { operation: 'node.labels' })).find((e) => e.id === seen.id)!;
    expect(done).toMatchObject({
      outcome: 'failure',
      status: 502,
      results: [{ name: 'node-0001', outcome: 'failed' }],
    });

    const ok = await call('POST', '/clusters/c1/nodes/node-0002/cordon', { reason: 'disk check' });
    expect(ok.statusCode).toBe(200);
    const [entry] = await auditEntries(t, { operation: 'node.cordon', node: 'node-0002' });
    expect(entry).toMatchObject({
      outcome: 'success',
      status: 200,
      params: { reason: 'disk check', override: false },
      results: [{ cluster: 'c1', name: 'node-0002', outcome: 'ok' }],
    });
  });

  it('with the store full a cordon answers 503, the node is untouched, and the log names SQLITE_FULL', async () => {
    const reason = 'r'.repeat(1000);
    const free = await fillStore(t.store, {
      user: 'oscar',
      action: 'node.cordon',
      cluster: 'c1',
      nodes: ['node-0003'],
      params: { reason, override: false },
      outcome: 'pending',
    });
    try {
      const before = patches();
      const logsBefore = t.logs.length;
      const res = await call('POST', '/clusters/c1/nodes/node-0003/cordon', { reason });
      expect(res.statusCode).toBe(503);
      expect(res.json().error).toMatchObject({ code: 'AuditUnavailable' });
      expect(res.json().error.message).toContain('SQLITE_FULL');
      expect(nodeOf('node-0003').spec?.unschedulable).toBeFalsy();
      expect(patches()).toBe(before);
      const said = t.logs.slice(logsBefore).join('\n');
      expect(said).toContain('SQLITE_FULL');
      expect(said).not.toContain('cannot rollback');
      // A batch job is refused the same way: nothing starts.
      const job = await call('POST', '/jobs', {
        operation: 'cordon',
        targets: [{ cluster: 'c1', nodes: ['node-0004'] }],
        params: { reason },
      });
      expect(job.statusCode).toBe(503);
      expect(nodeOf('node-0004').spec?.unschedulable).toBeFalsy();
      expect(patches()).toBe(before);
    } finally {
      await free();
    }
    const res = await call('POST', '/clusters/c1/nodes/node-0003/cordon', { reason });
    expect(res.statusCode).toBe(200);
    expect(nodeOf('node-0003').spec?.unschedulable).toBe(true);
  });
});

describe('the complete change on record', () => {
  it('200 junk label keys plus a real one are refused whole; 100 keys are recorded, every key and value', async () => {
    const junk: Record<string, string> = {};
    for (let i = 0; i < 200; i++) junk[`junk-${i}.example.com/k`] = `v${i}`;
    const before = patches();
    const refused = await call('PATCH', '/clusters/c1/nodes/node-0005/labels', {
      set: { ...junk, 'team.example.com/owner': 'payments' },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.message).toContain('at most 100 label keys per request');
    expect(patches()).toBe(before);
    expect(nodeOf('node-0005').metadata.labels?.['team.example.com/owner']).toBeUndefined();

    const set: Record<string, string> = {};
    for (let i = 0; i < 99; i++) set[`k-${i}.example.com/${'n'.repeat(60)}`] = `v-${i}-${'x'.repeat(50)}`;
    set['team.example.com/owner'] = 'payments';
    const ok = await call('PATCH', '/clusters/c1/nodes/node-0005/labels', { set });
    expect(ok.statusCode).toBe(200);
    const [entry] = await auditEntries(t, {
      operation: 'node.labels',
      node: 'node-0005',
      outcome: 'success',
    });
    expect(entry!.params).toEqual({ set, remove: [], allowSystem: false });

    const add = Array.from({ length: 101 }, (_, i) => ({ key: `t${i}.example.com/x`, effect: 'NoSchedule' }));
    const taints = await call('PATCH', '/clusters/c1/nodes/node-0005/taints', { add });
    expect(taints.statusCode).toBe(400);
    expect(taints.json().error.message).toContain('at most 100 taints per request');
  });
});

describe('/readyz', () => {
  let a: ServerApp | undefined;
  afterEach(async () => {
    await a?.close();
    a = undefined;
  });

  it('is not ready while the store can read but not write', async () => {
    a = await makeTestApp();
    expect((await a.call('GET', '/readyz')).json()).toMatchObject({ status: 'ready', store: 'ok' });
    const free = await fillStore(a.app.services.store, {
      user: 'x',
      action: 'fill',
      outcome: 'success',
      params: { v: 'f'.repeat(200) },
    });
    // The probe's answer is reused for a second; wait for a fresh one rather than sleeping.
    const res = await until(
      async () => {
        const r = await a!.call('GET', '/readyz');
        return r.statusCode === 503 && r;
      },
      5_000,
      '/readyz to see the full store',
    );
    expect(res.json()).toMatchObject({
      status: 'not ready',
      store: 'not writable',
      storeError: 'SQLITE_FULL',
    });
    await free();
    await until(
      async () => (await a!.call('GET', '/readyz')).statusCode === 200,
      5_000,
      '/readyz ready again',
    );
  });
});

// Leader election on a real PostgreSQL (KNM_TEST_DATABASE_URL): one holder at a time, a graceful stop hands
// the lease over at the next attempt, and a holder that loses its database steps down on its own before
// anyone else can take over (never two leaders), the other taking over within the stated bound.
// test/replicas kills real server processes.
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import { LeaderLease } from '../../src/leader/lease.js';
import { BackgroundWork } from '../../src/leader/background.js';
import { testDialects, type TestDatabase } from '../store/databases.js';
import { until } from '../operations/fixtures.js';

const pg = testDialects().find((d) => d.name === 'postgres');
if (!pg) console.log('leader lease tests skipped: set KNM_TEST_DATABASE_URL=postgres://… to run them');

describe.skipIf(!pg)('leader lease on PostgreSQL', () => {
  let database: TestDatabase | undefined;
  const stores: Store[] = [];
  const leases: LeaderLease[] = [];

  afterEach(async () => {
    for (const l of leases.splice(0)) await l.stop();
    for (const s of stores.splice(0)) await s.close().catch(() => undefined);
    await database?.drop();
    database = undefined;
  });

  async function replica(name: string, leaseMs = 600, renewMs = 150) {
    database ??= await pg!.create();
    const store = await openStore(database.cfg);
    stores.push(store);
    const lease = new LeaderLease({
      db: store.db,
      dialect: 'postgres',
      name: 'background',
      holder: name,
      leaseMs,
      renewMs,
    });
    leases.push(lease);
    return { store, lease };
  }

  it('exactly one replica holds the lease; a graceful stop hands it over at the next attempt', async () => {
    const a = await replica('a');
    a.lease.start();
    await until(() => a.lease.isLeader, 5_000, 'a to lead');
    const b = await replica('b');
    const c = await replica('c');
    b.lease.start();
    c.lease.start();
    // Several renew rounds: the holder keeps it, nobody else gets it.
    const rounds = Date.now() + 4 * a.lease.renewMs;
    await until(() => Date.now() > rounds && a.lease.isLeader, 5_000, 'renewals');
    expect([b.lease.isLeader, c.lease.isLeader]).toEqual([false, false]);

    const stoppedAt = Date.now();
    await a.lease.stop();
    await until(() => b.lease.isLeader || c.lease.isLeader, 5_000, 'another replica to lead');
    // Released, not expired: taken at the next attempt, well before the lease would have run out.
    expect(Date.now() - stoppedAt).toBeLessThan(a.lease.leaseMs);
    expect(b.lease.isLeader && c.lease.isLeader).toBe(false);
  });

  it('a holder that loses its database steps down by itself before another takes over within the bound', async () => {
    const a = await replica('a');
    const b = await replica('b');
    a.lease.start();
    await until(() => a.lease.isLeader, 5_000, 'a to lead');
    b.lease.start();
    let both = false;
    let aSteppedDownAt = 0;
    let bLeadsAt = 0;
    const watch = setInterval(() => {
      if (a.lease.isLeader && b.lease.isLeader) both = true;
      if (!a.lease.isLeader && !aSteppedDownAt) aSteppedDownAt = Date.now();
      if (b.lease.isLeader && !bLeadsAt) bLeadsAt = Date.now();
    }, 2);
    const lostAt = Date.now();
    await a.store.close(); // every renewal from now on fails
    await until(() => bLeadsAt > 0, 5_000, 'b to take over');
    clearInterval(watch);
    expect(both).toBe(false);
    expect(aSteppedDownAt).toBeGreaterThan(0);
    expect(aSteppedDownAt).toBeLessThanOrEqual(bLeadsAt);
    expect(bLeadsAt - lostAt).toBeLessThanOrEqual(a.lease.takeoverBoundMs + 200);
  });

  it('background work runs only on the holder, once per interval, and moves with the lease', async () => {
    const a = await replica('a');
    const b = await replica('b');
    const runs: string[] = [];
    const workA = new BackgroundWork(a.lease);
    const workB = new BackgroundWork(b.lease);
    workA.every('count', 100, async () => void runs.push('a'));
    workB.every('count', 100, async () => void runs.push('b'));
    a.lease.start();
    await until(() => runs.length >= 3, 5_000, 'a few runs on a');
    b.lease.start();
    const seen = runs.length;
    await until(() => runs.length >= seen + 3, 5_000, 'more runs');
    expect(new Set(runs)).toEqual(new Set(['a']));
    await workA.stop();
    await until(() => runs.includes('b'), 5_000, 'b to run the work');
    const handedAt = runs.indexOf('b');
    expect(runs.slice(handedAt).every((r) => r === 'b')).toBe(true);
  });
});

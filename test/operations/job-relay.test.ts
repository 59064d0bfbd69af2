// Job progress relayed between replicas through PostgreSQL LISTEN/NOTIFY (KNM_TEST_DATABASE_URL): a job
// written and announced by one replica reaches another replica's hub within a second, read from the table;
// after the listening connection is lost, the replica reconnects and republishes the current state.
import { afterEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/index.js';
import { JobRelay } from '../../src/operations/job-relay.js';
import { JobStore } from '../../src/operations/job-store.js';
import { countNodes, type Job, type JobNode } from '../../src/operations/job-types.js';
import { testDialects, type TestDatabase } from '../store/databases.js';
import { RecordingPublisher, until } from './fixtures.js';

const pgDialect = testDialects().find((d) => d.name === 'postgres');
if (!pgDialect) console.log('job relay tests skipped: set KNM_TEST_DATABASE_URL=postgres://… to run them');

describe.skipIf(!pgDialect)('job progress relay on PostgreSQL', () => {
  let database: TestDatabase | undefined;
  const stores: Store[] = [];
  const relays: JobRelay[] = [];

  afterEach(async () => {
    for (const r of relays.splice(0)) await r.close();
    for (const s of stores.splice(0)) await s.close();
    await database?.drop();
    database = undefined;
  });

  async function replica(id: string) {
    database ??= await pgDialect!.create();
    const store = await openStore(database.cfg);
    stores.push(store);
    const hub = new RecordingPublisher();
    const relay = new JobRelay({
      db: store.db,
      databaseUrl: database.cfg.databaseUrl,
      instanceId: id,
      local: hub,
      reconnectMs: 50,
    });
    relays.push(relay);
    await relay.start();
    return { store, hub, relay, jobs: new JobStore(store.db) };
  }

  function newJob(n: number): Job {
    const nodes: JobNode[] = Array.from({ length: n }, (_, i) => ({
      cluster: 'c1',
      name: `node-${i}`,
      status: 'pending',
    }));
    return {
      id: `job-${Math.random().toString(36).slice(2)}`,
      operation: 'labels',
      params: { set: { a: 'b' } },
      targets: [{ cluster: 'c1', selector: 'x' }],
      concurrency: 1,
      status: 'running',
      createdBy: 'alice',
      createdAt: new Date().toISOString(),
      total: n,
      ...countNodes(nodes),
      nodes,
    };
  }

  it('progress written and announced on one replica reaches another replica within a second, from the table', async () => {
    const a = await replica('a');
    const b = await replica('b');
    const job = newJob(300);
    await a.jobs.insert(job, { owner: 'a', override: false, clusters: ['c1'] });
    const lags: number[] = [];
    for (let seq = 0; seq < 20; seq++) {
      await a.jobs.updateNode(job.id, seq, 'ok', undefined, new Date().toISOString(), 'a');
      const written = Date.now();
      job.nodes[seq]!.status = 'ok';
      a.relay.publishJob(job);
      const seen = await until(
        () => b.hub.published.find((j) => j.id === job.id && j.counts.ok === seq + 1),
        2_000,
        `node ${seq} on b`,
      );
      lags.push(Date.now() - written);
      // b read the table, not the announcement: the job arrives whole.
      expect(seen.nodes).toHaveLength(300);
    }
    expect(Math.max(...lags)).toBeLessThan(1000);
    // The sender's own hub got every publication directly; its own announcements are not read back.
    expect(a.hub.published.filter((j) => j.id === job.id)).toHaveLength(20);
  });

  it('a write announces itself: the others see it even when the writer never publishes (it died right after)', async () => {
    const a = await replica('a');
    const b = await replica('b');
    const writer = new JobStore(a.store.db, 'a');
    const job = newJob(5);
    await writer.insert(job, { owner: 'a', override: false, clusters: ['c1'] });
    expect(await writer.updateNode(job.id, 0, 'ok', undefined, new Date().toISOString(), 'a')).toBe(true);
    const seen = await until(
      () => b.hub.published.find((j) => j.id === job.id && j.counts.ok === 1),
      2_000,
      'the write on b',
    );
    expect(seen.done).toBe(1);
    // A write that does not land (another owner) announces nothing and says so.
    expect(await writer.updateNode(job.id, 1, 'ok', undefined, new Date().toISOString(), 'z')).toBe(false);
  });

  it('a replica whose listening connection drops reconnects and republishes what changed meanwhile', async () => {
    const a = await replica('a');
    const b = await replica('b');
    const job = newJob(3);
    await a.jobs.insert(job, { owner: 'a', override: false, clusters: ['c1'] });
    // Cut b's LISTEN connection from the server side.
    const admin = new pg.Client({ connectionString: database!.cfg.databaseUrl });
    await admin.connect();
    try {
      await until(
        async () =>
          (
            await admin.query(
              `select pg_terminate_backend(pid) from pg_stat_activity where query = 'listen knm_job_progress' and pid in (select pid from pg_stat_activity where datname = current_database()) and pid <> pg_backend_pid()`,
            )
          ).rowCount! >= 2,
        5_000,
        'the listening connections to be cut',
      );
    } finally {
      await admin.end();
    }
    // Written and announced while nobody listened.
    await a.jobs.updateNode(job.id, 0, 'ok', undefined, new Date().toISOString(), 'a');
    a.relay.publishJob(job);
    const seen = await until(
      () => b.hub.published.find((j) => j.id === job.id && j.counts.ok === 1),
      5_000,
      'b to republish the job after reconnecting',
    );
    expect(seen.status).toBe('running');
  });
});

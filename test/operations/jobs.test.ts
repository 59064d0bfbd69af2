// Batch jobs against the simulated API server with a real (SQLite) store: per-node results under injected
// failures, cancellation, throttled progress, persistence across a restart, the guard, and refusal of bad
// input before anything is written.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.js';
import { openStore } from '../../src/store/index.js';
import {
  JobRunner,
  TemplateStore,
  systemClock,
  type Job,
  type KubeNode,
} from '../../src/operations/index.js';
import {
  RecordingAudit,
  RecordingPublisher,
  admin,
  memoryStore,
  operator,
  pod,
  runner,
  simFixture,
  until,
  type Fixture,
} from './fixtures.js';

let f: Fixture;
let store: Store;
let file: string;
let dispose: () => void;
const runners: JobRunner[] = [];

beforeEach(async () => {
  ({ store, file, dispose } = await memoryStore());
});
afterEach(async () => {
  for (const r of runners.splice(0)) r.abandon();
  await f?.close();
  await store.close();
  dispose();
});

function newRunner(extra: Parameters<typeof runner>[2] = {}): JobRunner {
  const r = runner(f, store, extra);
  runners.push(r);
  return r;
}

const writes = () =>
  f.sim.requestCount({ verb: 'patch' }) +
  f.sim.requestCount({ verb: 'create' }) +
  f.sim.requestCount({ verb: 'delete' }) +
  f.sim.requestCount({ verb: 'update' });
const nodeOf = (name: string) => f.sim.state.getNode(name) as unknown as KubeNode;

async function finished(r: JobRunner, job: Job): Promise<Job> {
  await r.waitFor(job.id);
  return r.get(admin, job.id);
}

describe('a 500-node batch with injected failures', () => {
  it('finishes every other node and reports each node correctly, live and from the store', async () => {
    f = await simFixture({ nodes: 500 });
    const failing = ['node-0007', 'node-0123', 'node-0250', 'node-0499'];
    for (const name of failing)
      f.sim.injectFailures({
        verb: 'patch',
        resource: 'nodes',
        name,
        status: 500,
        message: `disk full on ${name}`,
      });
    f.sim.injectFailures({
      verb: 'patch',
      resource: 'nodes',
      name: 'node-0300',
      status: 403,
      message: 'nodes "node-0300" is forbidden: policy says no',
    });
    // One node already carries the label: unchanged, no write.
    f.sim.state.updateNode(
      'node-0042',
      (n) => void (n.metadata.labels = { ...n.metadata.labels, pool: 'blue' }),
    );
    const pub = new RecordingPublisher();
    const audit = new RecordingAudit();
    const r = newRunner({ publisher: pub, audit });
    const job = await r.submit(
      operator,
      {
        operation: 'labels',
        targets: [{ cluster: 'c1', selector: 'kubernetes.io/hostname' }],
        params: { set: { pool: 'blue' } },
        concurrency: 25,
      },
      { ip: '10.1.1.1', requestId: 'req-1' },
    );
    expect(job).toMatchObject({ status: 'pending', total: 500, counts: { pending: 500 } });
    // One node disappears before its turn: skipped, not failed.
    f.sim.state.deleteNode('node-0400');

    const done = await finished(r, job);
    expect(done.status).toBe('partial');
    expect(done.counts).toMatchObject({
      ok: 493,
      unchanged: 1,
      failed: 5,
      skipped: 1,
      pending: 0,
      running: 0,
    });
    expect(done.done).toBe(500);
    const byName = new Map(done.nodes.map((n) => [n.name, n]));
    for (const name of failing)
      expect(byName.get(name)).toMatchObject({
        status: 'failed',
        message: expect.stringContaining(`disk full on ${name}`),
      });
    expect(byName.get('node-0300')).toMatchObject({
      status: 'failed',
      message: expect.stringContaining('policy says no'),
    });
    expect(byName.get('node-0042')?.status).toBe('unchanged');
    expect(byName.get('node-0400')?.status).toBe('skipped');
    for (const n of done.nodes) {
      if (n.status !== 'ok') continue;
      expect(nodeOf(n.name).metadata.labels?.pool).toBe('blue');
    }
    for (const name of failing) expect(nodeOf(name).metadata.labels?.pool).toBeUndefined();

    // The store holds the same record (what another replica or a restarted server reads).
    const fresh = new JobRunner({ db: store.db, ops: f.ops });
    expect(await fresh.get(admin, job.id)).toEqual(done);

    // Progress went out while it ran, throttled; the last message is the final state.
    expect(pub.published.length).toBeGreaterThan(2);
    expect(pub.published.at(-1)).toMatchObject({ status: 'partial', done: 500 });
    const finish = audit.entries.find((e) => e.action === 'job.labels');
    expect(finish).toMatchObject({ outcome: 'partial', user: 'oscar', ip: '10.1.1.1', requestId: 'req-1' });
    expect(finish?.results).toHaveLength(500);
    expect(audit.entries.find((e) => e.action === 'job.create')).toMatchObject({
      outcome: 'success',
      status: 202,
    });
  });
});

describe('progress publication', () => {
  it('is throttled per job and always ends with the final state', async () => {
    f = await simFixture({ nodes: 200 });
    const pub = new RecordingPublisher();
    const r = newRunner({ publisher: pub, publishIntervalMs: 100 });
    const started = Date.now();
    const job = await r.submit(operator, {
      operation: 'taints',
      targets: [{ cluster: 'c1', selector: 'kubernetes.io/hostname' }],
      params: { add: [{ key: 'x', effect: 'NoSchedule' }] },
      concurrency: 4,
    });
    await r.waitFor(job.id);
    const elapsed = Date.now() - started;
    // ≤ one per 100 ms plus the final one (and one leading edge).
    expect(pub.published.length).toBeLessThanOrEqual(Math.ceil(elapsed / 100) + 2);
    expect(pub.published.at(-1)).toMatchObject({ status: 'succeeded', counts: { ok: 200 } });
  });
});

describe('cancel', () => {
  it('stops starting nodes; those not started are reported cancelled, finished ones keep their result', async () => {
    f = await simFixture({ nodes: 300 });
    const r = newRunner();
    const audit = new RecordingAudit();
    const r2 = newRunner({ audit });
    const job = await r.submit(operator, {
      operation: 'labels',
      targets: [{ cluster: 'c1', selector: 'kubernetes.io/hostname' }],
      params: { set: { c: 'd' } },
      concurrency: 1,
    });
    await until(async () => (await r.get(admin, job.id)).counts.ok >= 5, 10_000, 'a few nodes done');
    const c = await r.cancel(operator, job.id);
    expect(['running', 'cancelled']).toContain(c.status);
    const done = await finished(r, job);
    expect(done.status).toBe('cancelled');
    expect(done.counts.ok).toBeGreaterThanOrEqual(5);
    expect(done.counts.cancelled).toBeGreaterThan(0);
    expect(done.counts.ok + done.counts.cancelled).toBe(300);
    for (const n of done.nodes)
      expect(nodeOf(n.name).metadata.labels?.c).toBe(n.status === 'ok' ? 'd' : undefined);
    // A finished job cannot be cancelled again (409), and that attempt is audited.
    await expect(r2.cancel(operator, job.id)).rejects.toMatchObject({ status: 409 });
    expect(audit.entries.at(-1)).toMatchObject({ action: 'job.cancel', outcome: 'failure', status: 409 });
  });

  it('a running drain stops; its node is reported cancelled and stays cordoned', async () => {
    f = await simFixture({ nodes: 10 });
    f.sim.state.createPod(
      pod({
        ns: 'd',
        name: 'db-0',
        node: 'node-0000',
        owner: { kind: 'StatefulSet', name: 'db' },
        labels: { app: 'db' },
      }),
    );
    f.sim.state.createPdb({
      metadata: { name: 'db', namespace: 'd' },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'db' } } },
    });
    const r = newRunner();
    const job = await r.submit(operator, {
      operation: 'drain',
      targets: [{ cluster: 'c1', nodes: ['node-0000'] }],
      params: {},
    });
    await until(
      () => f.sim.requestCount({ verb: 'create', resource: 'pods/eviction' }) >= 2,
      10_000,
      'eviction retries',
    );
    await r.cancel(operator, job.id);
    const done = await finished(r, job);
    expect(done.status).toBe('cancelled');
    expect(done.nodes[0]).toMatchObject({
      status: 'cancelled',
      message: expect.stringContaining('stays cordoned'),
    });
    expect(nodeOf('node-0000').spec?.unschedulable).toBe(true);
    expect(f.sim.state.getPod('d', 'db-0')).toBeDefined();
    expect(f.sim.requestCount({ verb: 'delete', resource: 'pods' })).toBe(0);
  });
});

describe('restart during a batch', () => {
  it('leaves an honest interrupted record: finished nodes keep results, in-flight and unstarted are marked', async () => {
    f = await simFixture({ nodes: 10 });
    // node-0001 cannot be drained while its budget allows no disruption: the drain waits there.
    f.sim.state.createPod(
      pod({
        ns: 'd',
        name: 'db-0',
        node: 'node-0001',
        owner: { kind: 'StatefulSet', name: 'db' },
        labels: { app: 'db' },
      }),
    );
    f.sim.state.createPdb({
      metadata: { name: 'db', namespace: 'd' },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'db' } } },
    });
    const a = newRunner();
    const job = await a.submit(
      admin,
      {
        operation: 'drain',
        targets: [{ cluster: 'c1', nodes: ['node-0000', 'node-0001', 'node-0002', 'node-0003'] }],
        params: {},
        concurrency: 1,
        override: true,
      },
      { ip: '10.9.9.9' },
    );
    await until(
      () => f.sim.requestCount({ verb: 'create', resource: 'pods/eviction' }) >= 2,
      10_000,
      'the second node to be waiting on its budget',
    );
    const seen = await a.get(admin, job.id);
    expect(seen.nodes.map((n) => n.status)).toEqual(['ok', 'running', 'pending', 'pending']);

    // The process dies: nothing more is written by it. A new process opens the same database file.
    a.abandon();
    await store.close();
    store = await openStore({ dataDir: '', databaseUrl: `sqlite:${file}` });
    const audit = new RecordingAudit();
    const pub = new RecordingPublisher();
    const b = new JobRunner({
      db: store.db,
      ops: f.ops,
      templates: new TemplateStore(store.db),
      audit,
      publisher: pub,
    });
    runners.push(b);
    expect(await b.start()).toBe(1);

    const rec = await b.get(admin, job.id);
    expect(rec.status).toBe('interrupted');
    expect(rec.finishedAt).toBeTruthy();
    expect(rec.message).toContain('1 of 4 nodes had finished');
    // Each result also carries its message code, so the console can show it in the user's language.
    const code = (messageCode: string) => ({ messageCode, messageParams: expect.any(Object) });
    expect(rec.nodes).toEqual([
      {
        cluster: 'c1',
        name: 'node-0000',
        status: 'ok',
        message: expect.stringContaining('drained'),
        ...code('drain.done'),
      },
      {
        cluster: 'c1',
        name: 'node-0001',
        status: 'interrupted',
        message: expect.stringContaining('outcome is unknown'),
        ...code('job.node.unknownOutcome'),
      },
      {
        cluster: 'c1',
        name: 'node-0002',
        status: 'interrupted',
        message: expect.stringContaining('not started'),
        ...code('job.node.notStartedShutdown'),
      },
      {
        cluster: 'c1',
        name: 'node-0003',
        status: 'interrupted',
        message: expect.stringContaining('not started'),
        ...code('job.node.notStartedShutdown'),
      },
    ]);
    expect(rec.messageCode).toBe('job.interrupted');
    expect(rec.counts).toMatchObject({ ok: 1, interrupted: 3, pending: 0, running: 0 });
    expect(audit.entries).toEqual([
      expect.objectContaining({ action: 'job.drain', outcome: 'partial', user: 'alice', ip: '10.9.9.9' }),
    ]);
    expect(pub.published.at(-1)).toMatchObject({ id: job.id, status: 'interrupted' });
    // Recovery is idempotent: a second pass changes nothing.
    expect(await b.recoverInterrupted()).toBe(0);
    // Nothing ran after the "crash": the unstarted nodes were never cordoned.
    expect(nodeOf('node-0002').spec?.unschedulable).toBeFalsy();
  });
});

describe('the safety guard on batches', () => {
  it('refuses an oversize cordon with details, creates no job and writes nothing; an allowed override runs', async () => {
    f = await simFixture({ nodes: 10 });
    const audit = new RecordingAudit();
    const r = newRunner({ audit });
    const body = {
      operation: 'cordon',
      targets: [{ cluster: 'c1', nodes: ['node-0000', 'node-0001', 'node-0002', 'node-0003'] }],
      params: { reason: 'kernel upgrade' },
    };
    const err = await r.submit(operator, body).catch((e: unknown) => e);
    expect(err).toMatchObject({
      status: 409,
      code: 'GuardRefused',
      details: { cluster: 'c1', readyNodes: 10, schedulableNow: 10, schedulableAfter: 6, minimumShare: 0.7 },
    });
    expect(writes()).toBe(0);
    expect((await r.list(admin)).items).toHaveLength(0);
    expect(audit.entries.at(-1)).toMatchObject({ action: 'job.create', outcome: 'denied', status: 409 });

    await expect(r.submit(operator, { ...body, override: true })).rejects.toMatchObject({ status: 403 });
    expect(writes()).toBe(0);

    const job = await r.submit(admin, { ...body, override: true });
    const done = await finished(r, job);
    expect(done).toMatchObject({ status: 'succeeded', counts: { ok: 4 } });
    expect(nodeOf('node-0003').metadata.annotations?.['nodes.knm.io/cordon-reason']).toBe('kernel upgrade');
  });

  it('counts nodes that a running cordon or drain job is still going to take out', async () => {
    f = await simFixture({ nodes: 10 });
    f.sim.state.createPod(
      pod({
        ns: 'd',
        name: 'db-0',
        node: 'node-0000',
        owner: { kind: 'StatefulSet', name: 'db' },
        labels: { app: 'db' },
      }),
    );
    f.sim.state.createPdb({
      metadata: { name: 'db', namespace: 'd' },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'db' } } },
    });
    const r = newRunner();
    // A drain of three nodes, one at a time, stuck on the first: the other two are still to come.
    await r.submit(operator, {
      operation: 'drain',
      targets: [{ cluster: 'c1', nodes: ['node-0000', 'node-0001', 'node-0002'] }],
      params: {},
      concurrency: 1,
    });
    await until(
      () => f.sim.requestCount({ verb: 'create', resource: 'pods/eviction' }) >= 1,
      10_000,
      'the drain to start',
    );
    // Alone, one more cordon would leave 6 of 10 schedulable only together with the drain's nodes.
    await expect(
      r.submit(operator, {
        operation: 'cordon',
        targets: [{ cluster: 'c1', nodes: ['node-0005'] }],
        params: {},
      }),
    ).rejects.toMatchObject({
      code: 'GuardRefused',
      details: { schedulableNow: 9, schedulableAfter: 6 },
    });
    // Draining the same node twice at once is refused too.
    await expect(
      r.submit(admin, {
        operation: 'drain',
        targets: [{ cluster: 'c1', nodes: ['node-0002'] }],
        params: {},
        override: true,
      }),
    ).rejects.toMatchObject({ status: 409, code: 'Conflict' });
  });
});

describe('bad input', () => {
  const cases: [string, unknown, string, number?][] = [
    [
      'unknown operation',
      { operation: 'reboot', targets: [{ cluster: 'c1', nodes: ['node-0000'] }] },
      'operation',
    ],
    ['no targets', { operation: 'uncordon', targets: [] }, 'targets'],
    [
      'target with both nodes and selector',
      { operation: 'uncordon', targets: [{ cluster: 'c1', nodes: ['node-0000'], selector: 'a=b' }] },
      'targets[0]',
    ],
    [
      'invalid node name',
      { operation: 'uncordon', targets: [{ cluster: 'c1', nodes: ['node-0000', 'Bad_Name'] }] },
      'targets[0].nodes[1]',
    ],
    [
      'invalid selector',
      { operation: 'uncordon', targets: [{ cluster: 'c1', selector: 'a in (b' }] },
      'targets[0].selector',
    ],
    [
      'invalid label key',
      {
        operation: 'labels',
        targets: [{ cluster: 'c1', nodes: ['node-0000'] }],
        params: { set: { 'bad key': 'x' } },
      },
      'params.set.bad key',
    ],
    [
      'label value too long',
      {
        operation: 'labels',
        targets: [{ cluster: 'c1', nodes: ['node-0000'] }],
        params: { set: { ok: 'v'.repeat(64) } },
      },
      'params.set.ok',
    ],
    [
      'label prefix not a DNS subdomain',
      {
        operation: 'labels',
        targets: [{ cluster: 'c1', nodes: ['node-0000'] }],
        params: { remove: ['Example.com/x'] },
      },
      'params.remove[0]',
    ],
    [
      'taint effect',
      {
        operation: 'taints',
        targets: [{ cluster: 'c1', nodes: ['node-0000'] }],
        params: { add: [{ key: 'k', effect: 'NoRun' }] },
      },
      'params.add[0].effect',
    ],
    [
      'taint value',
      {
        operation: 'taints',
        targets: [{ cluster: 'c1', nodes: ['node-0000'] }],
        params: { add: [{ key: 'k', value: '-x', effect: 'NoSchedule' }] },
      },
      'params.add[0].value',
    ],
    [
      'drain option type',
      {
        operation: 'drain',
        targets: [{ cluster: 'c1', nodes: ['node-0000'] }],
        params: { timeoutSeconds: -5 },
      },
      'params.timeoutSeconds',
    ],
    [
      'misspelt drain option',
      {
        operation: 'drain',
        targets: [{ cluster: 'c1', nodes: ['node-0000'] }],
        params: { ignoreDaemonsets: true },
      },
      'params.ignoreDaemonsets',
    ],
    [
      'concurrency',
      { operation: 'uncordon', targets: [{ cluster: 'c1', nodes: ['node-0000'] }], concurrency: 0 },
      'concurrency',
    ],
    [
      'selector matching nothing',
      { operation: 'uncordon', targets: [{ cluster: 'c1', selector: 'pool=none' }] },
      'targets[0].selector',
    ],
    [
      'unknown cluster',
      { operation: 'uncordon', targets: [{ cluster: 'nope', nodes: ['node-0000'] }] },
      'targets[0].cluster',
      404,
    ],
    [
      'unknown node',
      { operation: 'uncordon', targets: [{ cluster: 'c1', nodes: ['node-0000', 'ghost'] }] },
      'targets[0].nodes',
      404,
    ],
    [
      'unknown template',
      {
        operation: 'template',
        targets: [{ cluster: 'c1', nodes: ['node-0000'] }],
        params: { templateId: 'nope' },
      },
      '',
      404,
    ],
  ];

  it.each(cases)(
    '%s → refused with the field, nothing written, no job',
    async (_name, body, field, status = 400) => {
      f = await simFixture({ nodes: 3 });
      f.sim.resetRequestCount();
      const r = newRunner();
      const err = (await r.submit(operator, body).catch((e: unknown) => e)) as {
        status: number;
        field?: string;
      };
      expect(err).toMatchObject({ status });
      if (field) expect(err.field).toBe(field);
      expect(writes()).toBe(0);
      expect((await r.list(admin)).items).toHaveLength(0);
    },
  );

  it('clusters hidden from the user are refused (403)', async () => {
    f = await simFixture({ nodes: 3 });
    const r = newRunner();
    await expect(
      r.submit(
        { ...operator, clusters: ['other'] },
        { operation: 'uncordon', targets: [{ cluster: 'c1', nodes: ['node-0000'] }] },
      ),
    ).rejects.toMatchObject({ status: 403 });
  });
});

describe('templates applied as a batch', () => {
  it('applies labels and taints together; the job keeps the contents it applied', async () => {
    f = await simFixture({ nodes: 6 });
    const templates = new TemplateStore(store.db);
    const t = await templates.create(
      {
        name: 'gpu pool',
        labels: { set: { pool: 'gpu' }, remove: [] },
        taints: { add: [{ key: 'gpu', value: 'true', effect: 'NoSchedule' }], remove: [] },
      },
      'oscar',
    );
    const r = newRunner();
    const job = await r.submit(operator, {
      operation: 'template',
      targets: [{ cluster: 'c1', nodes: ['node-0001', 'node-0002'] }],
      params: { templateId: t.id },
    });
    expect(job.params).toMatchObject({
      templateId: t.id,
      templateName: 'gpu pool',
      labels: { set: { pool: 'gpu' } },
    });
    await templates.replace(
      t.id,
      { name: 'gpu pool', labels: { set: { pool: 'other' }, remove: [] } },
      'oscar',
    );
    const done = await finished(r, job);
    expect(done.counts.ok).toBe(2);
    for (const n of ['node-0001', 'node-0002']) {
      expect(nodeOf(n).metadata.labels?.pool).toBe('gpu');
      expect(nodeOf(n).spec?.taints).toEqual([{ key: 'gpu', value: 'true', effect: 'NoSchedule' }]);
    }
    expect(nodeOf('node-0003').metadata.labels?.pool).toBeUndefined();
  });

  it('a template with system label keys needs the grant when applied', async () => {
    f = await simFixture({ nodes: 3 });
    const templates = new TemplateStore(store.db);
    const t = await templates.create(
      {
        name: 'roles',
        labels: { set: { 'node-role.kubernetes.io/infra': '' }, remove: [], allowSystem: true },
      },
      'alice',
    );
    const r = newRunner();
    await expect(
      r.submit(operator, {
        operation: 'template',
        targets: [{ cluster: 'c1', nodes: ['node-0001'] }],
        params: { templateId: t.id },
      }),
    ).rejects.toMatchObject({ status: 403 });
    expect(writes()).toBe(0);
    const job = await r.submit(admin, {
      operation: 'template',
      targets: [{ cluster: 'c1', nodes: ['node-0001'] }],
      params: { templateId: t.id },
    });
    expect((await finished(r, job)).status).toBe('succeeded');
    expect(nodeOf('node-0001').metadata.labels?.['node-role.kubernetes.io/infra']).toBe('');
  });
});

describe('jobs over several clusters', () => {
  it('runs one operation across clusters and reports per cluster and node', async () => {
    f = await simFixture({ nodes: 4 });
    const second = await simFixture({ nodes: 3, cluster: 'c2' });
    try {
      const clients = {
        client: (c: string) => (c === 'c1' ? f.client : c === 'c2' ? second.client : undefined),
      };
      const { DirectNodeSource, NodeOperations } = await import('../../src/operations/index.js');
      const ops = new NodeOperations({
        clients,
        nodes: new DirectNodeSource(clients, 0),
        guardMinSchedulable: 0.5,
        clock: f.clock,
      });
      const r = new JobRunner({ db: store.db, ops });
      runners.push(r);
      const job = await r.submit(operator, {
        operation: 'cordon',
        targets: [
          { cluster: 'c1', nodes: ['node-0000'] },
          { cluster: 'c2', selector: 'kubernetes.io/hostname in (node-0001)' },
        ],
        params: { reason: 'fleet-wide patch' },
      });
      const done = await finished(r, job);
      expect(done.nodes).toEqual([
        { cluster: 'c1', name: 'node-0000', status: 'ok' },
        { cluster: 'c2', name: 'node-0001', status: 'ok' },
      ]);
      expect((second.sim.state.getNode('node-0001') as unknown as KubeNode).spec?.unschedulable).toBe(true);
      // A user who may see only c1 does not see this job.
      await expect(r.get({ clusters: ['c1'] }, job.id)).rejects.toMatchObject({ status: 404 });
      expect((await r.list({ clusters: ['c1'] })).items).toHaveLength(0);
      expect((await r.list({ clusters: null })).items).toHaveLength(1);
    } finally {
      await second.close();
    }
  });
});

describe('several processes on one store', () => {
  function stuckDrainSetup() {
    f.sim.state.createPod(
      pod({
        ns: 'd',
        name: 'db-0',
        node: 'node-0000',
        owner: { kind: 'StatefulSet', name: 'db' },
        labels: { app: 'db' },
      }),
    );
    f.sim.state.createPdb({
      metadata: { name: 'db', namespace: 'd' },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'db' } } },
    });
  }

  it('a cancel sent to another process reaches the owner at its next heartbeat', async () => {
    f = await simFixture({ nodes: 10 });
    stuckDrainSetup();
    const a = newRunner({ sharedStore: true, heartbeatMs: 20 });
    const b = newRunner({ sharedStore: true, heartbeatMs: 20 });
    await a.start();
    await b.start();
    const job = await a.submit(operator, {
      operation: 'drain',
      targets: [{ cluster: 'c1', nodes: ['node-0000', 'node-0001'] }],
      params: {},
      concurrency: 1,
    });
    await until(
      () => f.sim.requestCount({ verb: 'create', resource: 'pods/eviction' }) >= 2,
      10_000,
      'eviction retries',
    );
    // b reads the job from the store and asks for the cancel there.
    expect((await b.get(operator, job.id)).status).toBe('running');
    await b.cancel(operator, job.id);
    await a.waitFor(job.id);
    const done = await b.get(operator, job.id);
    expect(done.status).toBe('cancelled');
    expect(done.nodes.map((n) => n.status)).toEqual(['cancelled', 'cancelled']);
  });

  it('a process whose heartbeat stopped has its jobs adopted by a live one at its sweep, without a restart', async () => {
    f = await simFixture({ nodes: 10 });
    stuckDrainSetup();
    // Heartbeats and staleness in real time here (the drain itself keeps the fast virtual clock).
    const a = newRunner({ sharedStore: true, heartbeatMs: 20, clock: systemClock });
    await a.start();
    const job = await a.submit(operator, {
      operation: 'drain',
      targets: [{ cluster: 'c1', nodes: ['node-0000'] }],
      params: {},
    });
    await until(
      () => f.sim.requestCount({ verb: 'create', resource: 'pods/eviction' }) >= 1,
      10_000,
      'the drain to start',
    );
    const b = newRunner({ sharedStore: true, heartbeatMs: 20, staleAfterMs: 1000, clock: systemClock });
    await b.start();
    // While a is alive, b leaves its job alone.
    expect(await b.sweep()).toBe(0);
    expect((await b.get(operator, job.id)).status).toBe('running');
    a.abandon();
    const evictionsBefore = f.sim.requestCount({ verb: 'create', resource: 'pods/eviction' });
    await until(async () => ((await b.sweep()) === 1 ? true : undefined), 10_000, 'the job to be adopted');
    // b drains the node again from the start: its pod, still protected by its budget, is tried again.
    await until(
      () => f.sim.requestCount({ verb: 'create', resource: 'pods/eviction' }) > evictionsBefore,
      10_000,
      'the adopted drain to evict',
    );
    const rec = await b.get(operator, job.id);
    expect(rec).toMatchObject({ status: 'running', adoptedBy: b.instanceId });
    expect(rec.nodes[0]).toMatchObject({ status: 'running' });
    await b.cancel(operator, job.id);
    await b.waitFor(job.id);
    expect((await b.get(operator, job.id)).status).toBe('cancelled');
  });

  it('a graceful shutdown records running jobs as interrupted, saying what was done', async () => {
    f = await simFixture({ nodes: 10 });
    stuckDrainSetup();
    const a = newRunner();
    const job = await a.submit(operator, {
      operation: 'drain',
      targets: [{ cluster: 'c1', nodes: ['node-0000', 'node-0001'] }],
      params: {},
      concurrency: 1,
    });
    await until(
      () => f.sim.requestCount({ verb: 'create', resource: 'pods/eviction' }) >= 2,
      10_000,
      'eviction retries',
    );
    await a.shutdown();
    const rec = await newRunner().get(operator, job.id);
    expect(rec).toMatchObject({ status: 'interrupted', message: expect.stringContaining('shutting down') });
    expect(rec.nodes).toEqual([
      expect.objectContaining({ status: 'interrupted', message: expect.stringContaining('stays cordoned') }),
      expect.objectContaining({ status: 'interrupted', message: expect.stringContaining('not started') }),
    ]);
  });
});

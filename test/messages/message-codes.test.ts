// Message codes: a job's node results and its own outcome keep their code and parameters through the store
// (every dialect), next to the same English text as before; a row without a code reads as plain text.
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import { JobStore } from '../../src/operations/job-store.js';
import { countNodes, type Job, type JobNode } from '../../src/operations/job-types.js';
import { coded, englishText } from '../../src/messages/english.js';
import { drainCancelledText, drainProgressText } from '../../src/operations/drain-progress.js';
import { testDialects, type TestDatabase } from '../store/databases.js';
import { MaintenanceStateStore } from '../../src/operations/maintenance/state-store.js';

describe('English text of message codes', () => {
  it('reads as the server wrote it before codes existed', () => {
    const progress = { total: 23, evicted: 21, terminating: 19, gone: 2, waitingForBudget: 2, failed: 0 };
    expect(drainProgressText(progress as never)).toBe(
      'evicted 21/23 · terminating 19 · gone 2 · 2 blocked by a PodDisruptionBudget',
    );
    expect(drainCancelledText({ ...progress, failed: 1 } as never)).toBe(
      'cancelled: 21 of 23 pods removed or on their way out (2 gone, 19 still terminating after their eviction), ' +
        '1 left on the node; the node stays cordoned',
    );
    expect(
      englishText({
        code: 'drain.done',
        params: { verb: 'evicted', removed: 4, skipped: 2, skippedDetail: 'daemonset 2' },
      }),
    ).toBe('drained: evicted 4 pod(s); skipped 2 (daemonset 2)');
    expect(
      englishText({
        code: 'drain.done',
        params: { verb: 'deleted', removed: 1, skipped: 0, skippedDetail: '' },
      }),
    ).toBe('drained: deleted 1 pod(s)');
  });
});

describe('refusals naming a maintenance plan', () => {
  it('name at most ten held nodes and count the rest', () => {
    expect(
      englishText({
        code: 'job.nodesInPlan',
        params: { job: 'p1', cluster: 'prod', nodes: 'n1, n2', count: 12, more: 10 },
      }),
    ).toBe(
      'maintenance plan p1 is working on 12 of these nodes in cluster "prod" (n1, n2 and 10 more); no other ' +
        'job may change them until the plan has finished them (uncordoned, or marked done and uncordoned). ' +
        'Wait for that, or abort the plan; a paused plan keeps its nodes',
    );
  });
});

for (const dialect of testDialects()) {
  describe(`job messages with codes in the store (${dialect.name})`, () => {
    let database: TestDatabase | undefined;
    let store: Store | undefined;
    afterEach(async () => {
      await store?.close();
      await database?.drop();
    });

    it('keeps code and parameters of node results and of the job, and plain text as plain text', async () => {
      database = await dialect.create();
      store = await openStore(database.cfg);
      const jobs = new JobStore(store.db);
      const nodes: JobNode[] = ['a', 'b', 'c'].map((name) => ({ cluster: 'c1', name, status: 'pending' }));
      const job: Job = {
        id: 'job-codes',
        operation: 'drain',
        params: {},
        targets: [{ cluster: 'c1', nodes: ['a', 'b', 'c'] }],
        concurrency: 1,
        status: 'running',
        createdBy: 'alice',
        createdAt: new Date().toISOString(),
        total: 3,
        ...countNodes(nodes),
        nodes,
      };
      await jobs.insert(job, { owner: 'me', override: false, clusters: ['c1'] });
      const at = new Date().toISOString();
      const done = coded({
        code: 'drain.done',
        params: { verb: 'evicted', removed: 3, skipped: 0, skippedDetail: '' },
      });
      await jobs.updateNode(job.id, 0, 'ok', done, at);
      await jobs.updateNode(job.id, 1, 'failed', 'admission webhook denied the request', at);
      await jobs.updatePending(job.id, 'cancelled', coded({ code: 'job.node.notStarted', params: {} }), at);
      await jobs.updateJob(job.id, {
        status: 'cancelled',
        message: coded({ code: 'job.cancelledBy', params: { user: 'bob' } }),
      });

      const read = (await jobs.get(job.id))!;
      expect(read.nodes).toEqual([
        {
          cluster: 'c1',
          name: 'a',
          status: 'ok',
          message: 'drained: evicted 3 pod(s)',
          messageCode: 'drain.done',
          messageParams: { verb: 'evicted', removed: 3, skipped: 0, skippedDetail: '' },
        },
        { cluster: 'c1', name: 'b', status: 'failed', message: 'admission webhook denied the request' },
        {
          cluster: 'c1',
          name: 'c',
          status: 'cancelled',
          message: 'not started: the job was cancelled',
          messageCode: 'job.node.notStarted',
          messageParams: {},
        },
      ]);
      expect(read.message).toBe('cancelled by bob');

      // A maintenance plan's pause reason and its nodes' step messages keep their codes too.
      const plans = new MaintenanceStateStore(store.db);
      await plans.create(
        job.id,
        [{ seq: 0, cluster: 'c1', name: 'a', wave: 0, step: 'pending', gateOn: [], message: 'plain words' }],
        at,
      );
      const gate = coded({
        code: 'maintenance.paused.gateTimeout',
        params: {
          cluster: 'c1',
          node: 'a',
          seconds: 60,
          waiting: 'Deployment shop/web 4/6 ready',
        },
      });
      await plans.setPaused(job.id, true, gate, at);
      await plans.updateNode(
        job.id,
        0,
        { step: 'hold', message: coded({ code: 'maintenance.hold.operator', params: {} }) },
        at,
      );
      expect(await plans.control(job.id)).toEqual({
        paused: true,
        pauseReason:
          'recovery gate of node c1/a still closed after 60 s: waiting for Deployment shop/web 4/6 ready',
        pauseReasonCode: 'maintenance.paused.gateTimeout',
        pauseReasonParams: {
          cluster: 'c1',
          node: 'a',
          seconds: 60,
          waiting: 'Deployment shop/web 4/6 ready',
        },
      });
      expect((await plans.nodes(job.id))[0]).toMatchObject({
        step: 'hold',
        message: 'held until marked done',
        messageCode: 'maintenance.hold.operator',
        messageParams: {},
      });
      await plans.setPaused(job.id, false, undefined, at);
      expect(await plans.control(job.id)).toEqual({ paused: false });
      await plans.updateNode(job.id, 0, { message: 'plain words' }, at);
      const plain = (await plans.nodes(job.id))[0]!;
      expect(plain.message).toBe('plain words');
      expect(plain.messageCode).toBeUndefined();
      expect(read.messageCode).toBe('job.cancelledBy');
      expect(read.messageParams).toEqual({ user: 'bob' });
    });
  });
}

// Message codes: a job's node results and its own outcome keep their code and parameters through the store
// (every dialect), next to the same English text as before; a row without a code reads as plain text.
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import { JobStore } from '../../src/operations/job-store.js';
import { countNodes, type Job, type JobNode } from '../../src/operations/job-types.js';
import { coded, englishText } from '../../src/messages/english.js';
import { drainCancelledText, drainProgressText } from '../../src/operations/drain-progress.js';
import { testDialects, type TestDatabase } from '../store/databases.js';

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
      expect(read.messageCode).toBe('job.cancelledBy');
      expect(read.messageParams).toEqual({ user: 'bob' });
    });
  });
}

// Message codes: a job's node results and its own outcome keep their code and parameters through the store
// (every dialect), next to the same English text as before; a row without a code reads as plain text.
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import { JobStore } from '../../src/operations/job-store.js';
import { countNodes, type Job, type JobNode } from '../../src/operations/job-types.js';
import { coded, englishText } from '../../src/messages/english.js';
import { drainCancelledText, drainProgressText } from '../../src/operations/drain-progress.js';
import { testDialects, type TestDatabase } from '../store/databases.js';
import type { CodedMessage, MessageCode } from '../../src/messages/codes.js';
import { MaintenanceStateStore } from '../../src/operations/maintenance/state-store.js';
import * as consoleEn from '../../web/src/i18n/server-en.js';
import * as consoleZh from '../../web/src/i18n/server-zh-CN.js';

/** One message of every code the maintenance executor and the plan refusals send. */
const MAINTENANCE_SAMPLES: CodedMessage[] = [
  { code: 'job.nodesInPlan', params: { job: 'p1', cluster: 'prod', nodes: 'n1, n2', count: 12, more: 10 } },
  { code: 'maintenance.overlap', params: { job: 'p1', cluster: 'prod', nodes: 'n3', count: 1, more: 0 } },
  { code: 'maintenance.planFailed', params: { detail: 'node n9 not found' } },
  { code: 'maintenance.node.at', params: { step: 'drain' } },
  { code: 'maintenance.node.cancelledBeforeStart', params: {} },
  { code: 'maintenance.node.cancelledAt', params: { step: 'gate' } },
  { code: 'maintenance.node.stoppedAt', params: { step: 'hold', detail: 'store closed' } },
  { code: 'maintenance.node.cordonFailed', params: { detail: 'conflict' } },
  { code: 'maintenance.node.readFailed', params: { detail: 'timeout' } },
  { code: 'maintenance.node.drainFailed', params: { detail: '1 of 3 pods were not removed' } },
  { code: 'maintenance.node.uncordonFailed', params: { detail: 'conflict' } },
  { code: 'maintenance.gate.waiting', params: { count: 1, waiting: 'Deployment shop/web 4/6 ready' } },
  { code: 'maintenance.gate.recovered', params: {} },
  { code: 'maintenance.hold.operator', params: {} },
  { code: 'maintenance.hold.reboot', params: {} },
  { code: 'maintenance.hold.until', params: { until: '2026-12-07T06:00:00.000Z' } },
  { code: 'maintenance.hold.rebooting', params: {} },
  { code: 'maintenance.node.done', params: { objects: 3 } },
  { code: 'maintenance.paused.operator', params: { user: 'alice' } },
  { code: 'maintenance.paused.failures', params: { failed: 2, limit: 2 } },
  {
    code: 'maintenance.paused.gateTimeout',
    params: { cluster: 'prod', node: 'n1', seconds: 600, waiting: 'PDB shop/web-pdb allows 0' },
  },
  {
    code: 'maintenance.paused.guard',
    params: {
      operation: 'maintenance cordon',
      cluster: 'prod',
      schedulableAfter: 4,
      schedulableNow: 5,
      readyNodes: 10,
      minimumPercent: 50,
    },
  },
  { code: 'maintenance.paused.refused', params: { detail: 'cluster "prod" refused: needs patch on nodes' } },
];

const placeholders = (template: string) => [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);

describe('message codes in both console languages', () => {
  it('every code has an English and a Chinese console text', () => {
    const en = Object.keys(consoleEn.texts).sort();
    expect(Object.keys(consoleZh.texts).sort()).toEqual(en);
    for (const code of en)
      expect(consoleZh.texts[code as MessageCode], code).not.toBe(consoleEn.texts[code as MessageCode]);
  });

  it.each(MAINTENANCE_SAMPLES.map((m) => [m.code, m] as const))(
    '%s: the server says it in English, each console text uses only its parameters',
    (_code, m) => {
      const text = englishText(m);
      expect(text).not.toMatch(/undefined|\[object/);
      const params = Object.keys(m.params);
      for (const lang of [consoleEn, consoleZh]) {
        expect(placeholders(lang.texts[m.code])).toSatisfy((names: string[]) =>
          names.every((n) => params.includes(n)),
        );
        for (const part of Object.values(lang.extras[m.code] ?? {}))
          expect(placeholders(part).every((n) => params.includes(n!))).toBe(true);
      }
    },
  );

  it('names at most ten held nodes and counts the rest', () => {
    expect(englishText(MAINTENANCE_SAMPLES[0]!)).toBe(
      'maintenance plan p1 is working on 12 of these nodes in cluster "prod" (n1, n2 and 10 more); no other ' +
        'job may change them until the plan has finished them (uncordoned, or marked done and uncordoned). ' +
        'Wait for that, or abort the plan; a paused plan keeps its nodes',
    );
  });
});

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

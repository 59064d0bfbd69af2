import { describe, expect, it } from 'vitest';
import type { Job, JobNodeStatus } from '../api/types';
import { fullCounts } from './jobMerge';
import { jobStore, upsertJob } from './jobs';

function job(statuses: JobNodeStatus[], over: Partial<Job> = {}): Job {
  const nodes = statuses.map((status, i) => ({ cluster: 'c', name: `n${i}`, status }));
  return {
    id: 'j1',
    operation: 'cordon',
    params: {},
    status: 'running',
    createdBy: 'admin',
    createdAt: '2024-01-01T00:00:00Z',
    total: nodes.length,
    concurrency: 1,
    done: 0,
    counts: {
      ok: 0,
      unchanged: 0,
      failed: 0,
      skipped: 0,
      pending: nodes.length,
      running: 0,
      cancelled: 0,
      interrupted: 0,
    },
    nodes,
    ...over,
  };
}

describe('job records', () => {
  it('a record read earlier never takes back progress or a final state', () => {
    jobStore.byId.clear();
    upsertJob(job(['ok', 'ok', 'pending']));
    upsertJob(job(['ok', 'running', 'pending']));
    expect(jobStore.byId.get('j1')!.done).toBe(2);
    upsertJob(job(['ok', 'ok', 'ok'], { status: 'succeeded' }));
    upsertJob(job(['ok', 'ok', 'running'], { status: 'running' }));
    expect(jobStore.byId.get('j1')).toMatchObject({ status: 'succeeded', done: 3 });
  });

  it('keeps per-node results when a job list (without them) is read again, and counts add up', () => {
    jobStore.byId.clear();
    upsertJob(job(['ok', 'pending', 'cancelled']));
    upsertJob({ ...job([]), nodes: undefined, total: 3, status: 'cancelled' });
    const j = jobStore.byId.get('j1')!;
    expect(j.nodes).toHaveLength(3);
    const c = fullCounts(j);
    expect(c).toMatchObject({ ok: 1, pending: 1, cancelled: 1 });
    expect(Object.values(c).reduce((a, b) => a + b, 0)).toBe(j.total);
  });
});

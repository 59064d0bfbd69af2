import { describe, expect, it } from 'vitest';
import type { Job } from '../api/types';
import { jobStore, upsertJob } from './jobs';

function job(over: Partial<Job>): Job {
  return {
    id: 'j1',
    operation: 'cordon',
    params: {},
    status: 'running',
    createdBy: 'admin',
    createdAt: '2024-01-01T00:00:00Z',
    total: 3,
    done: 1,
    counts: { ok: 1, unchanged: 0, failed: 0, skipped: 0, pending: 2 },
    nodes: [
      { cluster: 'c', name: 'a', status: 'ok' },
      { cluster: 'c', name: 'b', status: 'pending' },
      { cluster: 'c', name: 'c', status: 'pending' },
    ],
    ...over,
  };
}

describe('job progress', () => {
  it('ignores progress that arrives after a later state', () => {
    jobStore.byId.clear();
    upsertJob(job({ done: 2 }));
    upsertJob(job({ done: 1 }));
    expect(jobStore.byId.get('j1')!.done).toBe(2);
    upsertJob(job({ status: 'succeeded', done: 3 }));
    upsertJob(job({ status: 'running', done: 3 }));
    expect(jobStore.byId.get('j1')!.status).toBe('succeeded');
  });

  it('keeps per-node results when a job list (without them) is read again', () => {
    jobStore.byId.clear();
    upsertJob(job({}));
    upsertJob(job({ nodes: undefined, done: 2 }));
    expect(jobStore.byId.get('j1')!.done).toBe(2);
    expect(jobStore.byId.get('j1')!.nodes).toHaveLength(3);
  });
});

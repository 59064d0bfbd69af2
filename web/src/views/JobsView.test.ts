import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { createI18n } from 'vue-i18n';
import { ElSelect } from 'element-plus';
import en from '../i18n/en';
import { installElement } from '../element';
import type { Job } from '../api/types';

const list = vi.fn();
vi.mock('../api/endpoints', () => ({
  jobs: { list: (q: unknown) => list(q), get: vi.fn(() => new Promise(() => undefined)) },
}));

const { jobStore, upsertJob } = await import('../stores/jobs');
const JobsView = (await import('./JobsView.vue')).default;

function plugins() {
  const i18n = createI18n({ legacy: false, locale: 'en', messages: { en } });
  return [i18n, { install: installElement }];
}

/** A finished job; `by` names it in the table (the "By" column). */
function job(by: string, createdAt: string, over: Partial<Job> = {}): Job {
  return {
    id: `id-${by}`,
    operation: 'cordon',
    params: {},
    status: 'succeeded',
    createdBy: by,
    createdAt,
    concurrency: 1,
    total: 1,
    done: 1,
    targets: [{ cluster: 'c1', nodes: ['n1'] }],
    counts: {
      ok: 1,
      unchanged: 0,
      failed: 0,
      skipped: 0,
      pending: 0,
      running: 0,
      cancelled: 0,
      interrupted: 0,
    },
    ...over,
  };
}

/** The "By" cell of each row, top to bottom. */
const shownBy = (w: VueWrapper) =>
  w.findAll('[data-testid="jobs-table"] .el-table__body tr').map((r) => r.findAll('td').at(-1)!.text());

beforeEach(() => {
  list.mockReset();
  jobStore.byId.clear();
});
afterEach(() => {
  jobStore.byId.clear();
});

describe('Jobs page paging', () => {
  it('loads more with the continue token, appends, and says when nothing older is left', async () => {
    list
      .mockResolvedValueOnce({
        items: [job('ann', '2024-05-03T10:00:00Z'), job('bob', '2024-05-02T10:00:00Z')],
        continue: 'page-2',
      })
      .mockResolvedValueOnce({ items: [job('cid', '2024-05-01T10:00:00Z')] });
    const w = mount(JobsView, { global: { plugins: plugins() } });
    await flushPromises();

    expect(list).toHaveBeenLastCalledWith(expect.objectContaining({ continue: undefined }));
    expect(shownBy(w)).toEqual(['ann', 'bob']);
    expect(w.find('[data-testid="jobs-end"]').exists()).toBe(false);

    await w.find('[data-testid="jobs-load-more"]').trigger('click');
    await flushPromises();

    expect(list).toHaveBeenCalledTimes(2);
    expect(list.mock.calls[1]![0]).toMatchObject({ continue: 'page-2' });
    expect(shownBy(w)).toEqual(['ann', 'bob', 'cid']);
    expect(w.find('[data-testid="jobs-load-more"]').exists()).toBe(false);
    expect(w.find('[data-testid="jobs-end"]').text()).toBe('No older jobs');
    expect(w.find('[data-testid="jobs-shown"]').text()).toBe('3 job(s) shown');
  });

  it('puts jobs reported live at the top, and leaves older ones to the pages still to come', async () => {
    list.mockResolvedValueOnce({
      items: [job('ann', '2024-05-03T10:00:00Z'), job('bob', '2024-05-02T10:00:00Z')],
      continue: 'page-2',
    });
    const w = mount(JobsView, { global: { plugins: plugins() } });
    await flushPromises();

    upsertJob(job('new', '2024-05-04T10:00:00Z', { status: 'running', done: 0 }));
    // Progress of a job that belongs to an older page, not read yet.
    upsertJob(job('old', '2024-04-01T10:00:00Z', { status: 'running', done: 0 }));
    await flushPromises();
    expect(shownBy(w)).toEqual(['new', 'ann', 'bob']);

    list.mockResolvedValueOnce({
      items: [job('old', '2024-04-01T10:00:00Z', { status: 'running', done: 0 })],
    });
    await w.find('[data-testid="jobs-load-more"]').trigger('click');
    await flushPromises();
    expect(shownBy(w)).toEqual(['new', 'ann', 'bob', 'old']);
  });

  it('asks the server for the chosen status, from the first page, and hides live jobs that do not match', async () => {
    list.mockResolvedValueOnce({ items: [job('ann', '2024-05-03T10:00:00Z')], continue: 'page-2' });
    const w = mount(JobsView, { global: { plugins: plugins() } });
    await flushPromises();

    list.mockResolvedValueOnce({ items: [job('bad', '2024-05-01T10:00:00Z', { status: 'failed' })] });
    const status = w.findAllComponents(ElSelect)[0]!;
    status.vm.$emit('update:modelValue', 'failed');
    status.vm.$emit('change', 'failed');
    await flushPromises();

    expect(list.mock.calls[1]![0]).toMatchObject({ status: 'failed', continue: undefined });
    expect(shownBy(w)).toEqual(['bad']);
    expect(w.find('[data-testid="jobs-end"]').exists()).toBe(true);

    upsertJob(job('live-ok', '2024-05-05T10:00:00Z'));
    upsertJob(job('live-bad', '2024-05-05T11:00:00Z', { status: 'failed' }));
    await flushPromises();
    expect(shownBy(w)).toEqual(['live-bad', 'bad']);
  });

  it('keeps what it has and shows the error when a page cannot be read', async () => {
    list
      .mockResolvedValueOnce({ items: [job('ann', '2024-05-03T10:00:00Z')], continue: 'page-2' })
      .mockRejectedValueOnce(new Error('connection reset'));
    const w = mount(JobsView, { global: { plugins: plugins() } });
    await flushPromises();
    await w.find('[data-testid="jobs-load-more"]').trigger('click');
    await flushPromises();

    expect(w.find('.el-alert').text()).toContain('connection reset');
    expect(shownBy(w)).toEqual(['ann']);
    // The same page can be asked for again.
    list.mockResolvedValueOnce({ items: [job('bob', '2024-05-02T10:00:00Z')] });
    await w.find('[data-testid="jobs-load-more"]').trigger('click');
    await flushPromises();
    expect(list.mock.calls[2]![0]).toMatchObject({ continue: 'page-2' });
    expect(shownBy(w)).toEqual(['ann', 'bob']);
  });
});

describe('Jobs page rows', () => {
  it('say what changed, count cancelled nodes, and never show a failed or cancelled job as a full green bar', async () => {
    list.mockResolvedValueOnce({
      items: [
        job('cid', '2024-05-03T10:00:00Z', {
          status: 'cancelled',
          params: { reason: 'kernel' },
          total: 12,
          done: 12,
          counts: {
            ok: 4,
            unchanged: 0,
            failed: 0,
            skipped: 0,
            pending: 0,
            running: 0,
            cancelled: 8,
            interrupted: 0,
          },
        }),
        job('dan', '2024-05-02T10:00:00Z', {
          operation: 'labels',
          status: 'failed',
          params: { set: { pool: 'blue' }, remove: ['old'] },
          total: 3,
          done: 3,
          counts: {
            ok: 0,
            unchanged: 0,
            failed: 3,
            skipped: 0,
            pending: 0,
            running: 0,
            cancelled: 0,
            interrupted: 0,
          },
        }),
      ],
    });
    const w = mount(JobsView, { global: { plugins: plugins() } });
    await flushPromises();

    const rows = w.findAll('[data-testid="jobs-table"] .el-table__body tr');
    const change = rows.map((r) => r.find('[data-testid="job-row-change"]').text());
    expect(change).toEqual(['12 node(s) · reason: kernel', '3 node(s) · set pool=blue · remove old']);
    const results = rows.map((r) => r.find('[data-testid="job-row-results"]').text());
    expect(results).toEqual(['OK 4 · Cancelled 8', 'Failed 3']);
    const segments = rows.map((r) =>
      r.findAll('[data-outcome]').map((s) => `${s.attributes('data-outcome')} ${s.attributes('style')}`),
    );
    expect(segments[0]).toEqual(['ok width: 33.33333333333333%;', 'cancelled width: 66.66666666666666%;']);
    expect(segments[1]).toEqual(['failed width: 100%;']);
  });
});

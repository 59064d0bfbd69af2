/**
 * The job panel converges to the server's record: a job that finished before the panel subscribed, and a burst
 * of progress over 1,000 nodes with a lost message, both end in the server's final state with counts that add up.
 * Deltas are made by the server's own JobDeltas from snapshots of a scripted job, and reach the store through a
 * fake socket.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { nextTick, ref } from 'vue';
import { createI18n } from 'vue-i18n';
import en from '../i18n/en';
import { installElement } from '../element';
import type { Job, ServerMessage } from '../api/types';
import { JobDeltas } from '../../../src/realtime/job-deltas';
import { countNodes, type Job as ServerJob } from '../../../src/operations/job-types';

const listeners = new Set<(m: ServerMessage) => void>();
const fakeSocket = {
  status: ref<'open' | 'closed'>('open'),
  subscribeJobs: vi.fn(),
  on: (fn: (m: ServerMessage) => void) => {
    listeners.add(fn);
    return () => listeners.delete(fn);
  },
};
const emit = (m: unknown) => listeners.forEach((fn) => fn(m as ServerMessage));
vi.mock('../live/socket', () => ({ liveSocket: () => fakeSocket }));

/** The server's record, as GET /jobs/{id} answers it at the moment of the call. */
let server: ServerJob;
const get = vi.fn(async () => structuredClone(server) as unknown as Job);
vi.mock('../api/endpoints', () => ({ jobs: { get: () => get(), cancel: vi.fn() } }));

const { jobStore, openJobPanel, resetJobs, closeJobPanel } = await import('../stores/jobs');
const JobPanel = (await import('./JobPanel.vue')).default;

function plugins() {
  const i18n = createI18n({ legacy: false, locale: 'en', messages: { en } });
  return [i18n, { install: installElement }];
}

function serverJob(n: number, operation: ServerJob['operation'] = 'labels'): ServerJob {
  const nodes = Array.from({ length: n }, (_, i) => ({
    cluster: 'prod',
    name: `node-${String(i).padStart(4, '0')}`,
    status: 'pending' as const,
  }));
  return {
    id: 'job-1',
    operation,
    params: operation === 'labels' ? { set: { pool: 'blue' }, remove: [] } : {},
    targets: [{ cluster: 'prod', nodes: nodes.map((x) => x.name) }],
    concurrency: 20,
    status: 'running',
    createdBy: 'alice',
    createdAt: '2026-01-01T00:00:00Z',
    total: n,
    done: 0,
    counts: countNodes(nodes).counts,
    nodes,
  };
}

/** What the runner publishes: a copy whose counts match its nodes. */
function snapshot(j: ServerJob): ServerJob {
  const { counts, done } = countNodes(j.nodes);
  return { ...j, counts, done, nodes: j.nodes.map((x) => ({ ...x })) };
}

// The drawer is rendered into the document body, outside the wrapper.
const el = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const text = (_w: VueWrapper, id: string) => el(id)?.textContent?.trim() ?? `(no ${id})`;
const shownCounts = (_w: VueWrapper) =>
  [...document.querySelectorAll('[data-testid^="job-count-"]')]
    .map((e) => Number(e.textContent!.trim().match(/(\d+)$/)![1]))
    .reduce((a, b) => a + b, 0);

let wrapper: VueWrapper | undefined;
beforeEach(() => {
  resetJobs();
  get.mockClear();
  fakeSocket.subscribeJobs.mockClear();
  fakeSocket.status.value = 'open';
  wrapper = mount(JobPanel, { global: { plugins: plugins() }, attachTo: document.body });
});
afterEach(() => {
  closeJobPanel();
  wrapper?.unmount();
  // A new connection for the next test: its subscription has to be acknowledged again.
  fakeSocket.status.value = 'closed';
});

describe('job panel', () => {
  it('shows the final state of a job that finished before the panel subscribed', async () => {
    await nextTick();
    server = serverJob(2, 'uncordon');
    // The POST answer: accepted, nothing done yet.
    const accepted = structuredClone(server) as unknown as Job;
    accepted.status = 'pending';
    // …while the server runs the job to its end before the subscription reaches it (no delta will come).
    for (const x of server.nodes) x.status = 'ok';
    server = { ...snapshot(server), status: 'succeeded', finishedAt: '2026-01-01T00:00:00.1Z' };

    openJobPanel(accepted);
    await flushPromises();
    expect(fakeSocket.subscribeJobs).toHaveBeenCalled();
    // Not read before the subscription is in place: a read then could still miss the end.
    expect(get).not.toHaveBeenCalled();
    emit({ type: 'jobs.subscribed' });
    await flushPromises();

    expect(get).toHaveBeenCalledTimes(1);
    expect(text(wrapper!, 'job-status')).toBe('Succeeded');
    expect(text(wrapper!, 'job-done')).toBe('2 of 2 done');
    expect(text(wrapper!, 'job-count-pending')).toBe('Pending 0');
    expect(text(wrapper!, 'job-count-ok')).toBe('OK 2');
    expect(el('job-cancel')).toBeNull();
  });

  it('converges on a 1,000-node burst with a lost message, counts adding up at every step', async () => {
    server = serverJob(1000);
    const deltas = new JobDeltas();
    const publish = () => deltas.next(snapshot(server))!;
    emit({ type: 'jobs.subscribed' });
    const first = publish();
    openJobPanel(structuredClone(server) as unknown as Job);
    await flushPromises();
    expect(get).toHaveBeenCalledTimes(1); // subscribed already: read at once
    emit(first);

    const sums: number[] = [];
    let lost = 0;
    for (let i = 0; i < 1000; i++) {
      server.nodes[i]!.status = i % 97 === 0 ? 'failed' : 'ok';
      if (i % 97 === 0)
        server.nodes[i]!.message =
          `admission webhook "policy.example.com" denied the request: ${'x'.repeat(400)} (end)`;
      if (i % 50 === 49) {
        const d = publish();
        // One message is lost on the way; the next one's number shows the gap.
        if (i === 449) {
          lost++;
          continue;
        }
        emit(d);
        await nextTick();
        sums.push(shownCounts(wrapper!));
      }
    }
    server = { ...snapshot(server), status: 'partial', finishedAt: '2026-01-01T00:00:21Z' };
    emit(publish());
    await flushPromises();

    expect(lost).toBe(1);
    expect(sums.every((s) => s === 1000)).toBe(true);
    expect(get.mock.calls.length).toBeGreaterThanOrEqual(2); // the gap made the panel read the job again
    expect(text(wrapper!, 'job-status')).toBe('Partial');
    expect(text(wrapper!, 'job-done')).toBe('1000 of 1000 done');
    expect(text(wrapper!, 'job-count-ok')).toBe('OK 989');
    expect(text(wrapper!, 'job-count-failed')).toBe('Failed 11');
    expect(text(wrapper!, 'job-count-pending')).toBe('Pending 0');
    expect(shownCounts(wrapper!)).toBe(1000);
    const bar = [...document.querySelectorAll('[data-testid="job-progress"] [data-outcome]')];
    expect(bar.map((s) => [s.getAttribute('data-outcome'), s.getAttribute('data-count')])).toEqual([
      ['ok', '989'],
      ['failed', '11'],
    ]);
    // A failure message is there whole, folded with a control to show it all.
    expect(jobStore.byId.get('job-1')!.nodes![0]!.message).toMatch(/\(end\)$/);
    expect(el('job-node-message')!.classList).toContain('knm-folded');
    el('job-node-message-toggle')!.click();
    await nextTick();
    expect(text(wrapper!, 'job-node-message')).toMatch(/\(end\)$/);
    expect(el('job-node-message')!.classList).not.toContain('knm-folded');
  });
});

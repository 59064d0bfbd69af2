/**
 * The job panel in Chinese: a drain job's node results and the job's own outcome arrive with message codes and
 * are shown translated; a message whose code this console does not know shows the server's English text.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { ref } from 'vue';
import { i18n } from '../i18n';
import { installElement } from '../element';
import type { Job, ServerMessage } from '../api/types';
import { countNodes, type JobNode } from '../../../src/operations/job-types';
import { coded } from '../../../src/messages/english';

const fakeSocket = {
  status: ref<'open' | 'closed'>('open'),
  subscribeJobs: vi.fn(),
  on: (_fn: (m: ServerMessage) => void) => () => undefined,
};
vi.mock('../live/socket', () => ({ liveSocket: () => fakeSocket }));
let server: Job;
vi.mock('../api/endpoints', () => ({ jobs: { get: async () => structuredClone(server), cancel: vi.fn() } }));

const { openJobPanel, closeJobPanel, resetJobs } = await import('../stores/jobs');
const JobPanel = (await import('./JobPanel.vue')).default;

const texts = (id: string) =>
  [...document.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`)].map((e) => e.textContent!.trim());

function drainJob(): Job {
  const nodes: JobNode[] = [
    {
      cluster: 'prod',
      name: 'node-a',
      status: 'ok',
      ...coded({
        code: 'drain.done',
        params: { verb: 'evicted', removed: 7, skipped: 2, skippedDetail: 'daemonset 2' },
      }),
    },
    {
      cluster: 'prod',
      name: 'node-b',
      status: 'cancelled',
      ...coded({
        code: 'drain.cancelled',
        params: { removed: 3, total: 5, gone: 1, terminating: 2, left: 2 },
      }),
    },
    // A code from a newer server: the English text it came with is shown.
    {
      cluster: 'prod',
      name: 'node-c',
      status: 'failed',
      message: 'something new went wrong',
      messageCode: 'drain.someFutureCode' as JobNode['messageCode'],
      messageParams: {},
    },
  ];
  const { counts, done } = countNodes(nodes);
  return {
    id: 'job-zh',
    operation: 'drain',
    params: {},
    targets: [{ cluster: 'prod', nodes: nodes.map((n) => n.name) }],
    concurrency: 5,
    status: 'cancelled',
    createdBy: 'alice',
    createdAt: '2026-01-01T00:00:00Z',
    finishedAt: '2026-01-01T00:00:09Z',
    total: nodes.length,
    done,
    counts,
    nodes,
    ...coded({ code: 'job.cancelledBy', params: { user: 'bob' } }),
  };
}

let wrapper: VueWrapper | undefined;
afterEach(() => {
  closeJobPanel();
  wrapper?.unmount();
  i18n.global.locale.value = 'en';
});

describe('job panel in Chinese', () => {
  it('translates coded node results and the job outcome, and falls back to English for unknown codes', async () => {
    resetJobs();
    i18n.global.locale.value = 'zh-CN';
    server = drainJob();
    wrapper = mount(JobPanel, {
      global: { plugins: [i18n, { install: installElement }] },
      attachTo: document.body,
    });
    openJobPanel(structuredClone(server));
    await flushPromises();

    expect(texts('job-message')).toEqual(['已被 bob 取消']);
    expect(texts('job-node-message')).toEqual([
      '驱逐完成：驱逐了 7 个 Pod；跳过 2 个（daemonset 2）',
      '已取消：5 个 Pod 中 3 个已移除或正在退出（1 个已消失，2 个驱逐后仍在终止），节点上还剩 2 个；节点保持禁止调度',
      'something new went wrong',
    ]);

    // Switching the language re-renders the same results in English.
    i18n.global.locale.value = 'en';
    await flushPromises();
    expect(texts('job-message')).toEqual(['cancelled by bob']);
    expect(texts('job-node-message')[0]).toBe('drained: evicted 7 pod(s); skipped 2 (daemonset 2)');
  });
});

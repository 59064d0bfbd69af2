// The maintenance page in Chinese: the plan's pause reason and each node's step message arrive with message
// codes and are shown translated; a message without a code shows the server's English text.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { i18n } from '../i18n';
import { installElement } from '../element';
import { navigate } from '../router';
import { session } from '../session';
import type { User } from '../api/types';
import type { MaintenanceJob } from '../api/maintenance';
import type { MaintenanceNodeState } from '../../../src/operations/maintenance/types';
import { coded } from '../../../src/messages/english';

const node = (name: string, step: MaintenanceNodeState['step'], said: object): MaintenanceNodeState => ({
  cluster: 'prod',
  name,
  wave: 0,
  step,
  gateOn: [],
  ...said,
});

const paused = coded({
  code: 'maintenance.paused.gateTimeout',
  params: { cluster: 'prod', node: 'n2', seconds: 600, waiting: 'Deployment shop/web 4/6 ready' },
});

function plan(): MaintenanceJob {
  return {
    id: 'plan-zh',
    operation: 'maintenance',
    params: {},
    targets: [{ cluster: 'prod', nodes: ['n1', 'n2', 'n3'] }],
    concurrency: 1,
    status: 'running',
    createdBy: 'alice',
    createdAt: '2026-01-01T00:00:00Z',
    total: 3,
    done: 0,
    counts: {
      pending: 0,
      running: 3,
      ok: 0,
      unchanged: 0,
      failed: 0,
      skipped: 0,
      cancelled: 0,
      interrupted: 0,
    },
    nodes: [],
    maintenance: {
      paused: true,
      pauseReason: paused.message,
      pauseReasonCode: paused.messageCode,
      pauseReasonParams: paused.messageParams,
      waves: 1,
      currentWave: 0,
      failedNodes: 0,
      nodes: [
        node('n1', 'hold', coded({ code: 'maintenance.hold.operator', params: {} })),
        node(
          'n2',
          'failed',
          coded({ code: 'maintenance.node.drainFailed', params: { detail: 'admission webhook' } }),
        ),
        node('n3', 'hold', { message: 'a sentence from an older server' }),
      ],
    },
  } as MaintenanceJob;
}

vi.mock('../api/endpoints', () => ({
  clusters: { list: () => Promise.resolve({ items: [{ name: 'prod' }] }) },
  jobs: { list: () => Promise.resolve({ items: [] }) },
}));
vi.mock('../api/maintenance', () => ({
  maintenanceApi: {
    list: () => Promise.resolve({ items: [] }),
    get: () => Promise.resolve(plan()),
  },
}));
vi.mock('../stores/jobs', async (orig) => ({
  ...(await orig<typeof import('../stores/jobs')>()),
  watchJobs: () => undefined,
}));

const MaintenanceView = (await import('./MaintenanceView.vue')).default;

let w: VueWrapper | undefined;
afterEach(() => {
  w?.unmount();
  i18n.global.locale.value = 'en';
});

describe('maintenance plan in Chinese', () => {
  it("shows the pause reason and the nodes' step messages translated, English where no code came", async () => {
    i18n.global.locale.value = 'zh-CN';
    session.user = { username: 'op', role: 'operator' } as User;
    navigate('/maintenance', { id: 'plan-zh' }, true);
    w = mount(MaintenanceView, {
      global: { plugins: [i18n, { install: installElement }], stubs: { teleport: true } },
    });
    await flushPromises();

    expect(w.find('[data-testid="maintenance-pause-reason"]').text()).toContain(
      '节点 prod/n2 的恢复门禁在 600 秒后仍未打开：等待 Deployment shop/web 4/6 ready',
    );
    const message = (name: string) => w!.find(`[data-testid="maintenance-message-${name}"]`).text();
    expect(message('n1')).toBe('保持中，直到标记完成');
    expect(message('n2')).toBe('驱逐失败：admission webhook');
    expect(message('n3')).toBe('a sentence from an older server');

    i18n.global.locale.value = 'en';
    await flushPromises();
    expect(message('n1')).toBe('held until marked done');
    expect(w.find('[data-testid="maintenance-pause-reason"]').text()).toContain(
      'recovery gate of node prod/n2 still closed after 600 s',
    );
  });
});

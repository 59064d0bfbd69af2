// A plan whose cluster identity lacks what maintenance needs (a drain, or the recovery gate's reads of the
// evicted pods' controllers and budgets) cannot be started: the form names the missing permission.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createI18n } from 'vue-i18n';
import en from '../i18n/en';
import { installElement } from '../element';
import type { PermissionMatrix } from '../../../src/clusters/permissions';
import { navigate } from '../router';
import { session } from '../session';
import { resetPermissions } from '../stores/permissions';
import type { User } from '../api/types';

vi.mock('../api/endpoints', () => ({
  clusters: {
    list: () => Promise.resolve({ items: [{ name: 'nogate' }, { name: 'ok' }] }),
    permissions: (c: string): Promise<PermissionMatrix> =>
      Promise.resolve({
        checked: true,
        checkedAt: '2026-01-01T00:00:00.000Z',
        operations: [
          c === 'nogate'
            ? { operation: 'maintenance', allowed: false, missing: ['get on deployments.apps'] }
            : { operation: 'maintenance', allowed: true, missing: [] },
        ],
      }),
  },
  jobs: { list: () => Promise.resolve({ items: [] }) },
}));
vi.mock('../api/maintenance', () => ({
  maintenanceApi: {
    list: () => Promise.resolve({ items: [] }),
    preview: () => Promise.resolve({ dryRun: true, params: {}, waveSize: 1, waves: [] }),
  },
}));
vi.mock('../stores/jobs', async (orig) => ({
  ...(await orig<typeof import('../stores/jobs')>()),
  watchJobs: () => undefined,
}));

const MaintenanceView = (await import('./MaintenanceView.vue')).default;

async function open(cluster: string) {
  session.user = { username: 'op', role: 'operator' } as User;
  navigate('/maintenance', { new: '1', cluster, nodes: 'n1' }, true);
  const i18n = createI18n({ legacy: false, locale: 'en', messages: { en } });
  const w = mount(MaintenanceView, {
    global: {
      plugins: [i18n, { install: installElement }],
      stubs: { teleport: true, ElSelect: true, ElOption: true },
    },
  });
  await flushPromises();
  return w;
}

describe('maintenance form and the permission preflight', () => {
  afterEach(() => resetPermissions());

  it('says which permission the cluster lacks and does not start the plan', async () => {
    const w = await open('nogate');
    expect(w.find('[data-testid="maintenance-denied"]').text()).toContain('needs get on deployments.apps');
    expect(w.find('[data-testid="maintenance-start"]').attributes('disabled')).toBeDefined();
    w.unmount();
  });

  it('says nothing where the cluster may run a plan', async () => {
    const w = await open('ok');
    expect(w.find('[data-testid="maintenance-denied"]').exists()).toBe(false);
    w.unmount();
  });
});

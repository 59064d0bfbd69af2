// Deleting pods instead of evicting needs `delete` on pods, which the chart grants only with rbac.drainDelete:
// where a target's cluster lacks it, the switch is locked even for an admin, and says why.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createI18n } from 'vue-i18n';
import en from '../i18n/en';
import { installElement } from '../element';
import type { NodeRow, User } from '../api/types';
import type { PermissionMatrix } from '../../../src/clusters/permissions';
import { session } from '../session';
import { resetPermissions, syncPermissions } from '../stores/permissions';

vi.mock('../api/endpoints', () => ({
  nodes: { drainPreview: () => new Promise(() => undefined) },
  clusters: {
    permissions: (c: string): Promise<PermissionMatrix> =>
      Promise.resolve({
        checked: true,
        checkedAt: '2026-01-01T00:00:00.000Z',
        operations: [
          { operation: 'evict', allowed: true, missing: [] },
          c === 'nodelete'
            ? { operation: 'deletePods', allowed: false, missing: ['delete on pods'] }
            : { operation: 'deletePods', allowed: true, missing: [] },
        ],
      }),
  },
  jobs: {},
  templates: {},
}));

const DrainDialog = (await import('./DrainDialog.vue')).default;

async function open(cluster: string) {
  const i18n = createI18n({ legacy: false, locale: 'en', messages: { en } });
  const w = mount(DrainDialog, {
    props: { modelValue: true, targets: [{ cluster, name: 'n1' } as NodeRow] },
    global: { plugins: [i18n, { install: installElement }], stubs: { teleport: true } },
  });
  await flushPromises();
  return w;
}

beforeEach(() => {
  session.user = { username: 'admin', role: 'admin', clusters: null } as unknown as User;
  resetPermissions();
  syncPermissions(['nodelete', 'full']);
});

describe('DrainDialog: permission preflight', () => {
  it('locks "delete instead of evict" where the cluster may not delete pods, with the reason', async () => {
    const w = await open('nodelete');
    const sw = w.find('[data-testid="drain-disable-eviction"]');
    expect(sw.classes()).toContain('is-disabled');
    await sw.trigger('mouseenter');
    await vi.waitFor(() => expect(w.text()).toContain('needs delete on pods'));
  });

  it('leaves it open where the cluster may', async () => {
    const w = await open('full');
    expect(w.find('[data-testid="drain-disable-eviction"]').classes()).not.toContain('is-disabled');
  });
});

// Deleting instead of evicting is a grant: the switch is off and locked for an operator without it, and for an
// admin the dry run names the PodDisruptionBudgets the deletes would bypass.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createI18n } from 'vue-i18n';
import en from '../i18n/en';
import zhCN from '../i18n/zh-CN';
import { installElement } from '../element';
import type { NodeRow, User } from '../api/types';
import { session } from '../session';

const drainPreview = vi.fn();
vi.mock('../api/endpoints', () => ({
  nodes: { drainPreview: (...a: unknown[]) => drainPreview(...a) },
  jobs: {},
  templates: {},
}));

const DrainDialog = (await import('./DrainDialog.vue')).default;

const user = (role: User['role']) =>
  ({
    username: role,
    role,
    clusters: null,
    canOverrideGuard: false,
    canOverrideSystemLabels: false,
  }) as unknown as User;

function open() {
  const i18n = createI18n({ legacy: false, locale: 'en', messages: { en, 'zh-CN': zhCN } });
  return mount(DrainDialog, {
    props: { modelValue: true, targets: [{ cluster: 'c1', name: 'n1' } as NodeRow] },
    global: { plugins: [i18n, { install: installElement }], stubs: { teleport: true } },
  });
}

beforeEach(() => {
  drainPreview.mockReset();
  drainPreview.mockResolvedValue({
    node: 'n1',
    pods: [
      {
        namespace: 'data',
        name: 'db-0',
        action: 'delete',
        cause: 'pdb',
        reason: 'will be deleted, bypassing PodDisruptionBudget "db" (disableEviction)',
      },
    ],
    wouldSucceed: true,
    bypassesBudgets: ['data/db'],
  });
});

describe('DrainDialog: delete instead of evict', () => {
  it('is locked for an operator without the grant', async () => {
    session.user = user('operator');
    const w = open();
    await flushPromises();
    const sw = w.find('[data-testid="drain-disable-eviction"]');
    expect(sw.classes()).toContain('is-disabled');
    await sw.trigger('click');
    await w.find('[data-testid="drain-preview"]').trigger('click');
    await flushPromises();
    expect(drainPreview.mock.calls[0]![2]).toMatchObject({ disableEviction: false });
  });

  it('for an admin, the dry run names the budgets the deletes would bypass', async () => {
    session.user = user('admin');
    const w = open();
    await flushPromises();
    const sw = w.find('[data-testid="drain-disable-eviction"]');
    expect(sw.classes()).not.toContain('is-disabled');
    await sw.trigger('click');
    await w.find('[data-testid="drain-preview"]').trigger('click');
    await flushPromises();
    expect(drainPreview.mock.calls[0]![2]).toMatchObject({ disableEviction: true });
    expect(w.find('[data-testid="drain-bypasses-budgets"]').text()).toContain('data/db');
  });
});

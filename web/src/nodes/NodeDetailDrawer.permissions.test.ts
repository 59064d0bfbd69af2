// The drawer asks each cluster's permission preflight once and shows what that cluster's identity may not do
// as disabled, with the reason the matrix gives; other clusters' actions stay enabled.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createI18n } from 'vue-i18n';
import en from '../i18n/en';
import zhCN from '../i18n/zh-CN';
import { installElement } from '../element';
import type { NodeRow, User } from '../api/types';
import type { PermissionMatrix } from '../../../src/clusters/permissions';
import { session } from '../session';
import { resetPermissions } from '../stores/permissions';

const permissions = vi.fn<(cluster: string) => Promise<PermissionMatrix>>();
vi.mock('../api/endpoints', () => ({
  nodes: { get: () => new Promise(() => undefined) },
  clusters: { permissions: (c: string) => permissions(c) },
  jobs: {},
  templates: {},
}));

const NodeDetailDrawer = (await import('./NodeDetailDrawer.vue')).default;

const matrix = (cordonAllowed: boolean): PermissionMatrix => ({
  checked: true,
  checkedAt: '2026-01-01T00:00:00.000Z',
  operations: [
    { operation: 'readNodes', allowed: true, missing: [] },
    { operation: 'cordon', allowed: cordonAllowed, missing: cordonAllowed ? [] : ['patch on nodes'] },
    { operation: 'label', allowed: true, missing: [] },
  ],
});

const row = (cluster: string) =>
  ({
    cluster,
    name: 'n1',
    uid: 'u1',
    resourceVersion: '1',
    status: 'Ready',
    schedulable: true,
    unschedulable: false,
    roles: [],
    labels: {},
    taints: [],
    capacity: {},
    allocatable: {},
    podCount: 0,
    createdAt: '2026-01-01T00:00:00.000Z',
    conditions: [],
  }) as NodeRow;

function open(cluster: string, locale = 'en') {
  const i18n = createI18n({ legacy: false, locale, messages: { en, 'zh-CN': zhCN } });
  return mount(NodeDetailDrawer, {
    props: { row: row(cluster) },
    global: { plugins: [i18n, { install: installElement }] },
    attachTo: document.body,
  });
}

/** The text of the tooltip shown while the pointer rests on the action. */
async function hoverText(testid: string): Promise<string> {
  const wrap = document.querySelector(`[data-testid="${testid}"]`)!.parentElement!;
  wrap.dispatchEvent(new MouseEvent('mouseenter'));
  await vi.waitFor(() => {
    const ids = wrap.getAttribute('aria-describedby');
    expect(ids && document.getElementById(ids)?.textContent?.trim()).toBeTruthy();
  });
  return document.getElementById(wrap.getAttribute('aria-describedby')!)!.textContent!.trim();
}

const button = (testid: string) => document.querySelector<HTMLButtonElement>(`[data-testid="${testid}"]`)!;

beforeEach(() => {
  session.user = { username: 'op', role: 'operator', clusters: null } as unknown as User;
  resetPermissions();
  permissions.mockReset();
  permissions.mockImplementation((c) => Promise.resolve(matrix(c !== 'locked')));
});

afterEach(() => {
  document.body.innerHTML = '';
});

describe('NodeDetailDrawer: permission preflight', () => {
  it("disables cordon with the matrix's reason on a cluster that denies it, and only there", async () => {
    const locked = open('locked');
    await flushPromises();
    expect(button('action-cordon').disabled).toBe(true);
    expect(await hoverText('action-cordon')).toBe('needs patch on nodes');
    expect(button('action-labels').disabled).toBe(false);
    locked.unmount();
    document.body.innerHTML = '';

    const free = open('free');
    await flushPromises();
    expect(button('action-cordon').disabled).toBe(false);
    expect(button('action-cordon').parentElement!.dataset.denied).toBeUndefined();
    free.unmount();
    expect(permissions.mock.calls.map((c) => c[0])).toEqual(['locked', 'free']);
  });

  it('asks each cluster once, and says the reason in Chinese too', async () => {
    open('locked').unmount();
    document.body.innerHTML = '';
    open('locked', 'zh-CN');
    await flushPromises();
    expect(button('action-cordon').disabled).toBe(true);
    expect(await hoverText('action-cordon')).toBe('需要 patch on nodes');
    expect(permissions).toHaveBeenCalledTimes(1);
  });

  it('leaves every action enabled when the matrix cannot be fetched', async () => {
    permissions.mockRejectedValue(new Error('502'));
    open('locked');
    await flushPromises();
    expect(button('action-cordon').disabled).toBe(false);
    expect(button('action-drain').disabled).toBe(false);
  });

  it('still shows no actions to a viewer', async () => {
    session.user = { username: 'v', role: 'viewer', clusters: null } as unknown as User;
    open('locked');
    await flushPromises();
    expect(document.querySelector('[data-testid="drawer-actions"]')).toBeNull();
    expect(document.querySelector('[data-testid="action-cordon"]')).toBeNull();
  });
});

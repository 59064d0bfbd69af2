// A selection across clusters: an action is disabled when any selected node's cluster denies it, and the reason
// names that cluster; a drain counts as possible while either eviction or deleting pods is allowed.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises } from '@vue/test-utils';
import type { OperationPermission, PermissionMatrix } from '../../../src/clusters/permissions';
import en from '../i18n/en';
import { createI18n } from 'vue-i18n';

const answers: Record<string, PermissionMatrix | Error> = {};
vi.mock('../api/endpoints', () => ({
  clusters: {
    permissions: (c: string) => {
      const a = answers[c]!;
      return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
    },
  },
}));

const { deniedReason } = await import('./permissionGate');
const { ensurePermissions, resetPermissions, syncPermissions, permissionStore } =
  await import('../stores/permissions');
const t = createI18n({ legacy: false, locale: 'en', messages: { en } }).global.t as (
  k: string,
  n: Record<string, unknown>,
) => string;

const deny = (operation: OperationPermission['operation'], missing: string[]): OperationPermission => ({
  operation,
  allowed: false,
  missing,
});
const allow = (operation: OperationPermission['operation']): OperationPermission => ({
  operation,
  allowed: true,
  missing: [],
});
const matrix = (...operations: OperationPermission[]): PermissionMatrix => ({
  checked: true,
  checkedAt: '2026-01-01T00:00:00.000Z',
  operations,
});

beforeEach(() => resetPermissions());

describe('deniedReason', () => {
  it('names the denying cluster when the selection spans several', async () => {
    answers.a = matrix(deny('cordon', ['patch on nodes']), allow('evict'), allow('deletePods'));
    answers.b = matrix(allow('cordon'), deny('evict', ['create on pods/eviction']), allow('deletePods'));
    syncPermissions(['a', 'b']);
    await flushPromises();
    expect(deniedReason('cordon', ['a', 'b'], t)).toBe('a: needs patch on nodes');
    expect(deniedReason('uncordon', ['a'], t)).toBe('needs patch on nodes');
    expect(deniedReason('cordon', ['b'], t)).toBe('');
    // b may still drain by deleting pods.
    expect(deniedReason('drain', ['a', 'b'], t)).toBe('');
  });

  it('on a cluster that acts as the signed-in user, says whose RBAC refused', async () => {
    answers.u = { ...matrix(deny('label', ['patch on nodes']), allow('cordon')), actingAs: 'alice' };
    syncPermissions(['u']);
    await flushPromises();
    expect(deniedReason('labels', ['u'], t)).toBe(
      'the cluster’s RBAC does not let alice: needs patch on nodes',
    );
    expect(deniedReason('cordon', ['u'], t)).toBe('');
  });

  it('asks again for an answer a minute old, keeping the old one until the new one arrives', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      answers.r = { ...matrix(deny('label', ['patch on nodes'])), actingAs: 'alice' };
      syncPermissions(['r']);
      await flushPromises();
      expect(deniedReason('labels', ['r'], t)).not.toBe('');
      // The cluster's RBAC now lets alice patch nodes.
      answers.r = { ...matrix(allow('label')), actingAs: 'alice' };
      vi.setSystemTime(Date.now() + 59_000);
      ensurePermissions(['r']);
      await flushPromises();
      expect(deniedReason('labels', ['r'], t)).not.toBe('');
      vi.setSystemTime(Date.now() + 1_000);
      ensurePermissions(['r']);
      expect(permissionStore.byCluster.r?.actingAs).toBe('alice');
      await flushPromises();
      expect(deniedReason('labels', ['r'], t)).toBe('');
    } finally {
      vi.useRealTimers();
    }
  });

  it('denies a drain only when neither eviction nor deleting is allowed', async () => {
    answers.c = matrix(deny('evict', ['create on pods/eviction']), deny('deletePods', ['delete on pods']));
    syncPermissions(['c']);
    await flushPromises();
    expect(deniedReason('drain', ['c'], t)).toBe('needs create on pods/eviction');
  });

  it("gates Maintain… on the matrix's maintenance entry, not on drain", async () => {
    answers.m = matrix(allow('evict'), allow('deletePods'), deny('maintenance', ['get on deployments.apps']));
    syncPermissions(['m']);
    await flushPromises();
    expect(deniedReason('drain', ['m'], t)).toBe('');
    expect(deniedReason('maintenance', ['m'], t)).toBe('needs get on deployments.apps');
  });

  it('treats a failed fetch or an unchecked matrix as unknown, and forgets removed clusters', async () => {
    answers.x = new Error('502 Bad Gateway');
    answers.y = { checked: false, checkedAt: '2026-01-01T00:00:00.000Z', operations: [], error: 'timeout' };
    answers.z = matrix(deny('label', ['patch on nodes']));
    syncPermissions(['x', 'y', 'z']);
    await flushPromises();
    expect(deniedReason('labels', ['x', 'y'], t)).toBe('');
    expect(deniedReason('labels', ['z'], t)).toBe('needs patch on nodes');
    syncPermissions(['x', 'y']);
    expect(permissionStore.byCluster.z).toBeUndefined();
    expect(deniedReason('labels', ['z'], t)).toBe('');
  });
});

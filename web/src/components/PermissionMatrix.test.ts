import { describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createI18n } from 'vue-i18n';
import { installElement } from '../element';
import en from '../i18n/en';
import PermissionMatrix from './PermissionMatrix.vue';
import type { PermissionMatrix as Matrix } from '../../../src/clusters/permissions';

async function mountMatrix(matrix: Matrix) {
  const i18n = createI18n({ legacy: false, locale: 'en', messages: { en } });
  const w = mount(PermissionMatrix, {
    props: { matrix },
    global: { plugins: [i18n, { install: installElement }] },
  });
  await flushPromises();
  return w;
}

const row = (w: Awaited<ReturnType<typeof mountMatrix>>, op: string) =>
  w.find(`[data-testid="permission-${op}"]`);

describe('PermissionMatrix', () => {
  it('shows denied operations disabled, with the permission they lack', async () => {
    const w = await mountMatrix({
      checked: true,
      checkedAt: '2026-01-01T00:00:00.000Z',
      operations: [
        { operation: 'readNodes', allowed: true, missing: [] },
        { operation: 'evict', allowed: false, missing: ['create on pods/eviction'] },
      ],
    });
    expect(row(w, 'readNodes').find('button').attributes('disabled')).toBeUndefined();
    expect(row(w, 'readNodes').text()).toContain('allowed');
    expect(row(w, 'evict').find('button').attributes('disabled')).toBeDefined();
    expect(row(w, 'evict').text()).toContain('Drain (evict)');
    expect(row(w, 'evict').find('[data-testid="permission-reason"]').text()).toBe(
      'needs create on pods/eviction',
    );
    expect(w.find('[data-testid="permission-acting-as"]').exists()).toBe(false);
  });

  it('says whose matrix it is on a cluster that acts as the signed-in user', async () => {
    const w = await mountMatrix({
      checked: true,
      checkedAt: '2026-01-01T00:00:00.000Z',
      actingAs: 'alice',
      operations: [{ operation: 'label', allowed: false, missing: ['patch on nodes'] }],
    });
    expect(w.find('[data-testid="permission-acting-as"]').text()).toBe(
      'As alice: this cluster’s own RBAC decides',
    );
    expect(row(w, 'label').find('button').attributes('disabled')).toBeDefined();
  });

  it('says when the API server could not be asked, instead of claiming anything', async () => {
    const w = await mountMatrix({
      checked: false,
      checkedAt: '2026-01-01T00:00:00.000Z',
      operations: [],
      error: 'could not ask the API server: timed out',
    });
    expect(w.find('[data-testid="permission-unknown"]').text()).toContain('timed out');
    expect(w.find('table').exists()).toBe(false);
  });
});

// Before a template goes out to a selection, the confirmation names how many nodes and exactly what will
// change on them (each label set or removed, each taint added or removed), not only the template's name.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { i18n } from '../i18n';
import { installElement } from '../element';
import type { NodeRow, Template } from '../api/types';

const apply = vi.fn();
const tpl: Template = {
  id: 't1',
  name: 'db pool',
  labels: { set: { team: 'db', tier: 'gold' }, remove: ['legacy'] },
  taints: { add: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }], remove: [{ key: 'old' }] },
};
vi.mock('../api/endpoints', () => ({
  nodes: {},
  jobs: {},
  templates: {
    list: () => Promise.resolve({ items: [tpl] }),
    apply: (...a: unknown[]) => apply(...a),
  },
}));
vi.mock('./guard', () => ({ withGuard: (f: (o: boolean) => unknown) => f(false) }));
vi.mock('../stores/jobs', () => ({ openJobPanel: () => {} }));

const ApplyTemplateDialog = (await import('./ApplyTemplateDialog.vue')).default;

const targets = [
  { cluster: 'c1', name: 'n1' },
  { cluster: 'c1', name: 'n2' },
] as NodeRow[];

beforeEach(() => {
  apply.mockReset();
  apply.mockResolvedValue({ job: { id: 'j1' } });
  document.body.innerHTML = '';
});

async function until(cond: () => boolean) {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
}

describe('ApplyTemplateDialog confirmation', () => {
  it('names the node count and every change before applying', async () => {
    i18n.global.locale.value = 'en';
    const w = mount(ApplyTemplateDialog, {
      props: { modelValue: true, targets },
      // The picker itself is Element's; what matters here is what happens once a template is chosen.
      global: { plugins: [i18n, { install: installElement }], stubs: { teleport: true, ElSelect: true } },
    });
    await flushPromises();
    w.findComponent({ name: 'ElSelect' }).vm.$emit('update:modelValue', 't1');
    await flushPromises();
    await w.find('[data-testid="apply-template-submit"]').trigger('click');
    await until(() => !!document.querySelector('.knm-confirm-box'));
    const text = document.querySelector('.knm-confirm-box')!.textContent!;
    expect(text).toContain('2 nodes in cluster c1');
    expect(text).toContain('Set labels: team=db, tier=gold');
    expect(text).toContain('Remove labels: legacy');
    expect(text).toContain('Add taints: dedicated=db:NoSchedule');
    expect(text).toContain('Remove taints: old');
    expect(apply).not.toHaveBeenCalled();
    (document.querySelector('.knm-confirm-ok') as HTMLButtonElement).click();
    await until(() => apply.mock.calls.length === 1);
    w.unmount();
  });
});

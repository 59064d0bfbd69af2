// On a cluster that acts as the signed-in user, the cluster itself may refuse a change our roles allow: the
// dialog stays open and shows the cluster's refusal, naming the user and what was refused.
import { describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { nextTick } from 'vue';
import { createI18n } from 'vue-i18n';
import en from '../i18n/en';
import zhCN from '../i18n/zh-CN';
import { installElement } from '../element';
import { ApiError } from '../api/http';
import type { NodeRow } from '../api/types';

const REFUSAL =
  'cluster "prod" refused: needs patch on nodes (the API server refused: nodes "n1" is forbidden: User "alice" ' +
  'cannot patch resource "nodes" in API group "" at the cluster scope)';
const labels = vi.fn();
vi.mock('../api/endpoints', () => ({
  nodes: { labels: (...a: unknown[]) => labels(...a) },
  jobs: {},
  templates: {},
}));

const LabelsDialog = (await import('./LabelsDialog.vue')).default;

describe('LabelsDialog: a refusal from the cluster', () => {
  it('is shown in the dialog, which stays open', async () => {
    labels.mockRejectedValue(new ApiError(403, 'Forbidden', REFUSAL));
    const i18n = createI18n({ legacy: false, locale: 'en', messages: { en, 'zh-CN': zhCN } });
    const node = { cluster: 'prod', name: 'n1', key: 'prod/n1', labels: { team: 'a' } } as unknown as NodeRow;
    const w = mount(LabelsDialog, {
      props: { modelValue: true, targets: [node] },
      global: { plugins: [i18n, { install: installElement }], stubs: { teleport: true } },
    });
    await flushPromises();
    // One row per label plus an empty one to type into.
    const empty = w.findAll('input[data-testid="label-key"]').length - 1;
    await w.findAll('input[data-testid="label-key"]')[empty]!.setValue('owner');
    await w.findAll('input[data-testid="label-value"]')[empty]!.setValue('sre');
    await nextTick();
    await w.find('[data-testid="labels-submit"]').trigger('click');
    await flushPromises();

    expect(labels).toHaveBeenCalledWith('prod', 'n1', { set: { owner: 'sre' }, remove: [] });
    const shown = w.find('[data-testid="op-error"]');
    expect(shown.exists()).toBe(true);
    expect(shown.text()).toContain('cluster "prod" refused');
    expect(shown.text()).toContain('User "alice" cannot patch resource "nodes"');
    expect(w.emitted('update:modelValue')?.some(([v]) => v === false) ?? false).toBe(false);
  });
});

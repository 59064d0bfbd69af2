// A job on nodes a maintenance plan is working on is refused (409 naming the plan and the nodes): the
// operation dialog stays open and shows the refusal in the interface language, with the plan and the nodes.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { nextTick } from 'vue';
import { i18n } from '../i18n';
import { installElement } from '../element';
import { ApiError } from '../api/http';
import type { NodeRow } from '../api/types';
import { englishText } from '../../../src/messages/english';
import type { CodedMessage } from '../../../src/messages/codes';

const refusal: CodedMessage = {
  code: 'job.nodesInPlan',
  params: { job: 'plan-7', cluster: 'prod', nodes: 'n1, n2', count: 2, more: 0 },
};
const create = vi.fn();
vi.mock('../api/endpoints', () => ({
  nodes: {},
  jobs: { create: (...a: unknown[]) => create(...a) },
  templates: {},
}));

// The batch confirmation ("apply to 3 nodes?") is answered yes; it has its own tests.
vi.mock('../nodes/operations', async (orig) => ({
  ...(await orig<typeof import('../nodes/operations')>()),
  confirmAction: () => Promise.resolve(true),
}));

const LabelsDialog = (await import('../nodes/LabelsDialog.vue')).default;

let w: VueWrapper | undefined;
afterEach(() => {
  w?.unmount();
  i18n.global.locale.value = 'en';
});

async function submitLabels(locale: 'en' | 'zh-CN') {
  i18n.global.locale.value = locale;
  create.mockRejectedValue(
    new ApiError(409, 'Conflict', englishText(refusal), undefined, { job: 'plan-7' }, refusal),
  );
  const targets = ['n1', 'n2', 'n3'].map(
    (name) => ({ cluster: 'prod', name, key: `prod/${name}`, labels: {} }) as unknown as NodeRow,
  );
  w = mount(LabelsDialog, {
    props: { modelValue: true, targets },
    // The batch's concurrency select is not what is tested here.
    global: { plugins: [i18n, { install: installElement }], stubs: { teleport: true, ElSelect: true } },
  });
  await flushPromises();
  await w.find('input[data-testid="label-key"]').setValue('owner');
  await w.find('input[data-testid="label-value"]').setValue('sre');
  await nextTick();
  await w.find('[data-testid="labels-submit"]').trigger('click');
  await flushPromises();
  expect(create).toHaveBeenCalledWith(expect.objectContaining({ operation: 'labels' }));
  expect(w.emitted('update:modelValue')?.some(([v]) => v === false) ?? false).toBe(false);
  return w.find('[data-testid="op-error"]').text();
}

describe('a job refused because a maintenance plan holds its nodes', () => {
  it('is explained in Chinese in the dialog, naming the plan and the nodes', async () => {
    const text = await submitLabels('zh-CN');
    expect(text).toContain(
      '维护计划 plan-7 正在处理集群“prod”中这些节点里的 2 个；在计划处理完它们（恢复调度，或标记完成后恢复调度）之前，其他任务不能修改它们。',
    );
    expect(text).toContain('节点：n1, n2');
  });

  it('is explained in English without API wording', async () => {
    const text = await submitLabels('en');
    expect(text).toContain('Maintenance plan plan-7 is working on 2 of these nodes in cluster "prod"');
    expect(text).toContain('Wait for that, or abort the plan (a paused plan keeps its nodes). Nodes: n1, n2');
  });
});

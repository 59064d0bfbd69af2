// A drain says why, like a cordon: the reason reaches the drain job (which records it as the node's cordon
// reason), typing it does not make the dry run stale, and the dialog starts with a timeout instead of
// waiting for ever.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createI18n } from 'vue-i18n';
import en from '../i18n/en';
import zhCN from '../i18n/zh-CN';
import { installElement } from '../element';
import type { NodeRow } from '../api/types';

const drainPreview = vi.fn();
const drain = vi.fn();
const confirmAction = vi.fn();
vi.mock('../api/endpoints', () => ({
  nodes: { drainPreview: (...a: unknown[]) => drainPreview(...a) },
  jobs: {},
  templates: {},
}));
vi.mock('./operations', async (importOriginal) => ({
  ...(await importOriginal<typeof import('./operations')>()),
  confirmAction: (...a: unknown[]) => confirmAction(...a),
  drain: (...a: unknown[]) => drain(...a),
}));

const DrainDialog = (await import('./DrainDialog.vue')).default;

function open() {
  const i18n = createI18n({ legacy: false, locale: 'en', messages: { en, 'zh-CN': zhCN } });
  return mount(DrainDialog, {
    props: { modelValue: true, targets: [{ cluster: 'c1', name: 'n1' } as NodeRow] },
    global: { plugins: [i18n, { install: installElement }], stubs: { teleport: true } },
  });
}

beforeEach(() => {
  confirmAction.mockReset();
  confirmAction.mockResolvedValue(true);
  drain.mockReset();
  drain.mockResolvedValue(true);
  drainPreview.mockReset();
  drainPreview.mockResolvedValue({ node: 'n1', pods: [], wouldSucceed: true });
});

describe('DrainDialog reason and timeout', () => {
  it('sends the reason with the drain and a 300 s timeout by default', async () => {
    const w = open();
    await flushPromises();
    expect((w.find('[data-testid="drain-timeout"] input').element as HTMLInputElement).value).toBe('300');
    await w.find('[data-testid="drain-preview"]').trigger('click');
    await flushPromises();
    await w.find('[data-testid="drain-reason-input"]').setValue('  kernel 6.8 rollout ');
    await flushPromises();
    const submit = w.find('[data-testid="drain-submit"]');
    expect(submit.attributes('disabled')).toBeUndefined();
    await submit.trigger('click');
    await flushPromises();
    // The confirmation says what the drain will do with these settings before anything is sent.
    expect(confirmAction.mock.calls[0]![2]).toContain('Cordon with reason "kernel 6.8 rollout"');
    expect(confirmAction.mock.calls[0]![2]).toContain('Give up after 300 s');
    expect(drain).toHaveBeenCalledTimes(1);
    expect(drain.mock.calls[0]![1]).toMatchObject({ reason: 'kernel 6.8 rollout', timeoutSeconds: 300 });
  });

  it('leaves the reason out when none was given (the server records "drain")', async () => {
    const w = open();
    await flushPromises();
    await w.find('[data-testid="drain-preview"]').trigger('click');
    await flushPromises();
    await w.find('[data-testid="drain-submit"]').trigger('click');
    await flushPromises();
    expect(drain).toHaveBeenCalledTimes(1);
    expect(drain.mock.calls[0]![1]).not.toHaveProperty('reason');
  });

  it('refuses a reason longer than a cordon allows, saying so', async () => {
    const w = open();
    await flushPromises();
    await w.find('[data-testid="drain-preview"]').trigger('click');
    await flushPromises();
    await w.find('[data-testid="drain-reason-input"]').setValue('x'.repeat(257));
    await flushPromises();
    expect(w.find('.el-form-item:has([data-testid="drain-reason-input"])').classes()).toContain('is-error');
    expect(w.find('[data-testid="drain-submit"]').attributes('disabled')).toBeDefined();
    await w.find('[data-testid="drain-submit"]').trigger('click');
    await flushPromises();
    expect(drain).not.toHaveBeenCalled();
  });
});

import { beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { defineComponent, h } from 'vue';
import { createI18n } from 'vue-i18n';
import { ElRadioGroup } from 'element-plus';
import en from '../i18n/en';
import { installElement } from '../element';
import type { WebhookDelivery, WebhookEndpoint } from '../api/webhooks';

const list = vi.fn();
const get = vi.fn();
const create = vi.fn();
const update = vi.fn();
const test = vi.fn();
vi.mock('../api/webhooks', async () => ({
  ...(await import('../../../src/notify/types')),
  webhooks: {
    list: () => list(),
    get: (id: string) => get(id),
    create: (w: unknown) => create(w),
    update: (id: string, w: unknown) => update(id, w),
    remove: vi.fn(),
    test: (id: string) => test(id),
  },
}));
vi.mock('../api/endpoints', () => ({
  clusters: { list: async () => ({ items: [{ name: 'prod', source: 'kubeconfig', state: 'synced' }] }) },
}));

const WebhooksView = (await import('./WebhooksView.vue')).default;

// Element Plus' multiple select measures its tags in a loop happy-dom never settles.
const SelectStub = defineComponent({
  name: 'SelectStub',
  props: { modelValue: { type: Array, default: () => [] } },
  emits: ['update:modelValue'],
  setup(_p, { slots, attrs }) {
    return () => h('div', { ...attrs, class: 'select-stub' }, slots.default?.());
  },
});

const OptionStub = (p: { value: string }) => h('span', { 'data-testid': 'option' }, p.value);
OptionStub.props = ['value'];

const delivery = (over: Partial<WebhookDelivery>): WebhookDelivery => ({
  id: 'd1',
  endpointId: 'w1',
  event: 'job.failed',
  summary: 'Job j1 (drain by alice) failed on prod',
  status: 'delivered',
  attempts: 1,
  responseCode: 200,
  createdAt: '2026-03-01T10:00:00Z',
  updatedAt: '2026-03-01T10:00:01Z',
  ...over,
});
const endpoint = (over: Partial<WebhookEndpoint>): WebhookEndpoint => ({
  id: 'w1',
  name: 'ops chat',
  url: 'https://hooks.slack.com/…',
  host: 'hooks.slack.com',
  format: 'slack',
  events: ['node.health', 'job.failed'],
  clusters: null,
  debounceSeconds: 60,
  hasSecret: true,
  enabled: true,
  createdBy: 'admin',
  createdAt: '2026-03-01T09:00:00Z',
  updatedAt: '2026-03-01T09:00:00Z',
  ...over,
});

async function mountView(): Promise<VueWrapper> {
  const i18n = createI18n({ legacy: false, locale: 'en', messages: { en } });
  const w = mount(WebhooksView, {
    global: {
      plugins: [i18n, { install: installElement }],
      stubs: { teleport: true, ElSelect: SelectStub, ElOption: OptionStub },
    },
  });
  await flushPromises();
  return w;
}

const input = (w: VueWrapper, id: string) =>
  w.find(`input[data-testid="${id}"], [data-testid="${id}"] input`);

beforeEach(() => {
  list.mockReset().mockResolvedValue({
    items: [
      endpoint({
        lastDelivery: delivery({ status: 'failed', attempts: 5, responseCode: 500, error: 'answered 500' }),
      }),
    ],
    status: { queued: 0, waitingRetry: 2, inFlight: 0, dropped: 3, debouncing: 0, suppressed: 0 },
  });
  get.mockReset().mockResolvedValue({
    webhook: endpoint({}),
    deliveries: [delivery({}), delivery({ id: 'd2', status: 'retrying', attempts: 2, responseCode: 503 })],
  });
  create.mockReset().mockResolvedValue({ webhook: endpoint({}) });
  update.mockReset().mockResolvedValue({ webhook: endpoint({}) });
  test.mockReset().mockResolvedValue({ delivery: delivery({ status: 'queued' }) });
});

describe('Webhooks page', () => {
  it('lists endpoints with their host only, the last delivery’s failure and the queue', async () => {
    const w = await mountView();
    expect(w.find('[data-testid="webhook-url"]').text()).toBe('https://hooks.slack.com/…');
    expect(w.find('[data-testid="webhook-last-status"]').text()).toBe('Failed');
    expect(w.find('[data-testid="webhook-last-error"]').text()).toBe('answered 500');
    expect(w.find('[data-testid="webhook-queue"]').text()).toContain('2 to retry, 3 dropped');
  });

  it('refuses a URL with credentials before sending anything, then creates with the chosen settings', async () => {
    const w = await mountView();
    await w.find('[data-testid="webhook-new"]').trigger('click');
    await flushPromises();
    await input(w, 'webhook-name').setValue('feishu bot');
    await input(w, 'webhook-url-input').setValue('https://bot:pw@open.feishu.cn/open-apis/bot/v2/hook/abc');
    await flushPromises();
    expect(w.find('[data-testid="webhook-url-error"]').text()).toContain(
      'No user name or password in the URL',
    );
    expect(w.find('[data-testid="webhook-save"]').attributes('disabled')).toBeDefined();

    await input(w, 'webhook-url-input').setValue('ftp://open.feishu.cn/x');
    await flushPromises();
    expect(w.find('[data-testid="webhook-url-error"]').text()).toBe('Enter an http:// or https:// URL');

    await input(w, 'webhook-url-input').setValue('https://open.feishu.cn/open-apis/bot/v2/hook/abc');
    w.findComponent(ElRadioGroup).vm.$emit('update:modelValue', 'feishu');
    w.findComponent(SelectStub).vm.$emit('update:modelValue', ['prod']);
    await input(w, 'webhook-secret').setValue('feishu-secret-1');
    await flushPromises();
    await w.find('[data-testid="webhook-save"]').trigger('click');
    await flushPromises();
    expect(create).toHaveBeenCalledWith({
      name: 'feishu bot',
      url: 'https://open.feishu.cn/open-apis/bot/v2/hook/abc',
      format: 'feishu',
      events: ['node.health', 'job.failed'],
      clusters: ['prod'],
      debounceSeconds: 60,
      secret: 'feishu-secret-1',
      enabled: true,
    });
  });

  it('edits without the saved URL or secret: both are left out unless retyped', async () => {
    const w = await mountView();
    await w.find('[data-testid="webhook-edit"]').trigger('click');
    await flushPromises();
    expect((input(w, 'webhook-url-input').element as HTMLInputElement).value).toBe('');
    expect((input(w, 'webhook-secret').element as HTMLInputElement).value).toBe('');
    await input(w, 'webhook-name').setValue('ops');
    await w.find('[data-testid="webhook-save"]').trigger('click');
    await flushPromises();
    expect(update).toHaveBeenCalledTimes(1);
    const [id, body] = update.mock.calls[0]!;
    expect(id).toBe('w1');
    expect(body).toMatchObject({ name: 'ops', format: 'slack', clusters: null });
    expect(body).not.toHaveProperty('url');
    expect(body).not.toHaveProperty('secret');
  });

  it('sends a test message and shows the deliveries with attempts and answers', async () => {
    const w = await mountView();
    await w.find('[data-testid="webhook-test"]').trigger('click');
    await flushPromises();
    expect(test).toHaveBeenCalledWith('w1');
    await w.find('[data-testid="webhook-deliveries"]').trigger('click');
    await flushPromises();
    expect(get).toHaveBeenCalledWith('w1');
    const rows = w.findAll('[data-testid="webhook-deliveries-table"] .el-table__body tr');
    expect(rows).toHaveLength(2);
    expect(rows[1]!.text()).toContain('Retrying');
    expect(rows[1]!.text()).toContain('503');
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { defineComponent, h } from 'vue';
import { createI18n } from 'vue-i18n';
import { ElRadioGroup } from 'element-plus';
import en from '../i18n/en';
import { installElement } from '../element';
import type { ApiToken, ClusterInfo, User } from '../api/types';

const list = vi.fn();
const create = vi.fn();
const clusterList = vi.fn();
vi.mock('../api/endpoints', () => ({
  tokens: { list: () => list(), create: (t: unknown) => create(t), revoke: vi.fn() },
  clusters: { list: () => clusterList() },
}));

const { session } = await import('../session');
const TokensView = (await import('./TokensView.vue')).default;

function plugins() {
  const i18n = createI18n({ legacy: false, locale: 'en', messages: { en } });
  return [i18n, { install: installElement }];
}

function user(over: Partial<User>): User {
  return {
    id: 'u1',
    username: 'rita',
    role: 'operator',
    clusters: null,
    canOverrideGuard: false,
    canOverrideSystemLabels: false,
    ...over,
  };
}

const cluster = (name: string) => ({ name, source: 'kubeconfig', state: 'synced' }) as ClusterInfo;
const token = (over: Partial<ApiToken>): ApiToken => ({
  id: over.name ?? 'id',
  name: 'ci',
  role: 'viewer',
  clusters: null,
  createdAt: '2024-05-01T10:00:00Z',
  expiresAt: null,
  lastUsedAt: null,
  ...over,
});

// Element Plus' multiple select measures its tags in a loop happy-dom never settles; these stand-ins keep the
// contract the view relies on (v-model, one option per offered value).
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

async function mountView(): Promise<VueWrapper> {
  const w = mount(TokensView, {
    global: {
      plugins: plugins(),
      stubs: { teleport: true, ElSelect: SelectStub, ElOption: OptionStub },
    },
  });
  await flushPromises();
  return w;
}

async function openCreate(w: VueWrapper, name: string) {
  await w.find('[data-testid="token-new"]').trigger('click');
  await flushPromises();
  await w.find('input[data-testid="token-name"], [data-testid="token-name"] input').setValue(name);
}

async function submit(w: VueWrapper) {
  await w.find('[data-testid="token-create"]').trigger('click');
  await flushPromises();
}

beforeEach(() => {
  list.mockReset().mockResolvedValue({ items: [] });
  create.mockReset().mockResolvedValue({ token: token({}), secret: 'knm_secret' });
  clusterList.mockReset().mockResolvedValue({ items: [cluster('staging'), cluster('dev')] });
  session.user = user({ clusters: ['dev', 'staging'] });
});
afterEach(() => {
  session.user = null;
});

describe('Tokens page', () => {
  it('shows each token’s clusters, and "all" for a token that is not narrowed', async () => {
    list.mockResolvedValue({
      items: [token({ name: 'ci', clusters: ['dev', 'staging'] }), token({ name: 'ops', clusters: null })],
    });
    const w = await mountView();
    expect(w.findAll('[data-testid="token-clusters"]').map((c) => c.text())).toEqual([
      'dev, staging',
      'All (as its owner)',
    ]);
  });

  it('offers the clusters the user can see and sends the chosen ones with the new token', async () => {
    const w = await mountView();
    await openCreate(w, 'staging deploys');
    const select = w.findComponent(SelectStub);
    expect(w.findAll('[data-testid="option"]').map((o) => o.text())).toEqual(['dev', 'staging']);
    select.vm.$emit('update:modelValue', ['staging']);
    await flushPromises();
    await submit(w);

    expect(create).toHaveBeenCalledWith({
      name: 'staging deploys',
      role: 'viewer',
      expiresInDays: 90,
      clusters: ['staging'],
    });
    expect(
      w.find('input[data-testid="token-secret"], [data-testid="token-secret"] input').element,
    ).toHaveProperty('value', 'knm_secret');
  });

  it('leaves clusters out when none is chosen, so the token sees what its owner sees', async () => {
    const w = await mountView();
    await openCreate(w, 'everything');
    await submit(w);
    expect(create).toHaveBeenCalledTimes(1);
    // Undefined is dropped from the JSON body: the server then applies the owner's clusters.
    expect(create.mock.calls[0]![0].clusters).toBeUndefined();
  });

  it('does not narrow an admin token: the choice disappears and nothing is sent', async () => {
    session.user = user({ role: 'admin', username: 'admin' });
    const w = await mountView();
    await openCreate(w, 'root');
    w.findComponent(SelectStub).vm.$emit('update:modelValue', ['staging']);
    await flushPromises();
    w.findComponent(ElRadioGroup).vm.$emit('update:modelValue', 'admin');
    await flushPromises();
    expect(w.find('[data-testid="token-clusters-select"]').exists()).toBe(false);
    await submit(w);
    expect(create.mock.calls[0]![0]).toMatchObject({ name: 'root', role: 'admin', clusters: undefined });
  });
});

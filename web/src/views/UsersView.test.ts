import { beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { createI18n } from 'vue-i18n';
import en from '../i18n/en';
import { installElement } from '../element';
import type { User } from '../api/types';
import type { ConfirmOptions } from '../composables/useConfirm';

const list = vi.fn();
const create = vi.fn();
const remove = vi.fn();
vi.mock('../api/endpoints', () => ({
  users: {
    list: () => list(),
    create: (u: unknown) => create(u),
    update: vi.fn(),
    remove: (id: string) => remove(id),
  },
  clusters: { list: async () => ({ items: [] }) },
}));
// The prompt itself is Element Plus' message box; what matters here is what it asks and what follows a yes.
const asked: ConfirmOptions[] = [];
vi.mock('../composables/useConfirm', () => ({
  useConfirm: () => ({
    confirmThen: async (o: ConfirmOptions, action: () => Promise<unknown>) => {
      asked.push(o);
      await action();
    },
  }),
}));

const UsersView = (await import('./UsersView.vue')).default;
const EditDialog = (await import('../components/EditDialog.vue')).default;

const user = (over: Partial<User>): User => ({
  id: 'u1',
  username: 'olivia',
  role: 'operator',
  clusters: null,
  canOverrideGuard: false,
  canOverrideSystemLabels: false,
  ...over,
});

async function mountView(): Promise<VueWrapper> {
  const w = mount(UsersView, {
    global: {
      plugins: [createI18n({ legacy: false, locale: 'en', messages: { en } }), { install: installElement }],
      stubs: { teleport: true },
    },
  });
  await flushPromises();
  return w;
}

const input = (w: VueWrapper, id: string) =>
  w.find(`input[data-testid="${id}"], [data-testid="${id}"] input`);

beforeEach(() => {
  asked.length = 0;
  list.mockReset().mockResolvedValue({ items: [user({})] });
  create.mockReset();
  remove.mockReset().mockResolvedValue(undefined);
});

describe('Users page', () => {
  it('keeps the dialog open with the server’s answer when a new account is refused, and closes it once saved', async () => {
    const w = await mountView();
    await w.find('[data-testid="user-new"]').trigger('click');
    await flushPromises();
    await input(w, 'user-username').setValue('bob');
    await input(w, 'user-password').setValue('a-long-password-1');
    await flushPromises();

    create.mockRejectedValueOnce(new Error('user "bob" already exists'));
    await w.find('[data-testid="user-save"]').trigger('click');
    await flushPromises();
    expect(w.findComponent(EditDialog).props('modelValue')).toBe(true);
    expect(w.findComponent(EditDialog).text()).toContain('user "bob" already exists');
    expect(list).toHaveBeenCalledTimes(1);

    create.mockResolvedValueOnce({ user: user({ id: 'u2', username: 'bob', role: 'viewer' }) });
    list.mockResolvedValue({ items: [user({}), user({ id: 'u2', username: 'bob', role: 'viewer' })] });
    await w.find('[data-testid="user-save"]').trigger('click');
    await flushPromises();
    expect(create).toHaveBeenLastCalledWith(
      expect.objectContaining({ username: 'bob', password: 'a-long-password-1', role: 'viewer' }),
    );
    expect(w.findComponent(EditDialog).props('modelValue')).toBe(false);
    expect(w.find('[data-testid="users-table"]').text()).toContain('bob');
  });

  it('deletes an account after asking about it by name, then shows the list without it', async () => {
    const w = await mountView();
    list.mockResolvedValue({ items: [] });
    const del = w.findAll('[data-testid="users-table"] button').find((b) => b.text() === 'Delete')!;
    await del.trigger('click');
    await flushPromises();
    expect(asked).toHaveLength(1);
    expect(asked[0]!.message).toContain('olivia');
    expect(remove).toHaveBeenCalledWith('u1');
    expect(w.find('[data-testid="users-table"]').text()).not.toContain('olivia');
  });
});

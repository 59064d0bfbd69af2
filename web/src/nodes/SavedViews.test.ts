import { beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { createI18n } from 'vue-i18n';
import en from '../i18n/en';
import { installElement } from '../element';
import { navigate, route } from '../router';
import { loadVisibleColumns, type ColumnId } from './columns';
import type { SavedView } from './savedViewsApi';

const api = { list: vi.fn(), create: vi.fn(), replace: vi.fn(), remove: vi.fn() };
vi.mock('./savedViewsApi', async (original) => ({
  ...(await original<typeof import('./savedViewsApi')>()),
  savedViews: api,
}));
const SavedViews = (await import('./SavedViews.vue')).default;

const view = (over: Partial<SavedView>): SavedView => ({
  id: over.name ?? 'id',
  name: 'v',
  query: {},
  columns: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

const COLS: ColumnId[] = ['status', 'name', 'cluster', 'cpu'];

async function mountIt(columns: Iterable<ColumnId> = COLS): Promise<VueWrapper> {
  const i18n = createI18n({ legacy: false, locale: 'en', messages: { en } });
  const w = mount(SavedViews, {
    props: { columns: new Set(columns) },
    global: { plugins: [i18n, { install: installElement }], stubs: { teleport: true } },
  });
  await flushPromises();
  return w;
}
const names = (w: VueWrapper) => w.findAll('[data-testid="saved-view-apply"]').map((b) => b.text());
const input = (w: VueWrapper, id: string) =>
  w.find(`[data-testid="${id}"] input, input[data-testid="${id}"]`);

beforeEach(() => {
  for (const f of Object.values(api)) f.mockReset();
  api.list.mockResolvedValue({ items: [] });
  localStorage.clear();
  navigate('/nodes', { search: 'web', status: 'NotReady', sort: '-age', node: 'prod/web-1' }, true);
});

describe('Saved views', () => {
  it('saves the page’s filters, sort and columns under a name, without the open drawer', async () => {
    const w = await mountIt();
    expect(w.text()).toContain('No saved views yet');
    api.create.mockImplementation(async (v) => ({ view: view({ id: 'n1', ...v }) }));
    await input(w, 'saved-view-name').setValue('  web not ready ');
    await w.find('form').trigger('submit');
    await flushPromises();
    expect(api.create).toHaveBeenCalledWith({
      name: 'web not ready',
      query: { search: 'web', status: 'NotReady', sort: '-age' },
      columns: COLS,
    });
    expect(names(w)).toEqual(['web not ready']);
    // The page now shows that view: the button says so.
    expect(w.find('[data-testid="saved-views"]').text()).toBe('View: web not ready');
  });

  it('picking a view opens its query and shows its columns (the fixed ones always)', async () => {
    api.list.mockResolvedValue({
      items: [
        view({
          name: 'cordoned',
          query: { schedulable: 'false', cluster: 'prod' },
          columns: ['name', 'age', 'gone'],
        }),
        view({ name: 'plain', query: { role: 'worker' } }),
      ],
    });
    const w = await mountIt();
    expect(names(w)).toEqual(['cordoned', 'plain']);
    await w.findAll('[data-testid="saved-view-apply"]')[0]!.trigger('click');
    await flushPromises();
    expect(route.path).toBe('/nodes');
    expect({ ...route.query }).toEqual({ schedulable: 'false', cluster: 'prod' });
    const emitted = w.emitted('update:columns')!.at(-1)![0] as Set<ColumnId>;
    expect([...emitted].sort()).toEqual(['age', 'name', 'status']);
    expect([...loadVisibleColumns()].sort()).toEqual(['age', 'name', 'status']);

    // A view that leaves columns alone changes only the query.
    await w.findAll('[data-testid="saved-view-apply"]')[1]!.trigger('click');
    await flushPromises();
    expect({ ...route.query }).toEqual({ role: 'worker' });
    expect(w.emitted('update:columns')).toHaveLength(1);
  });

  it('saving under a name already used replaces that view', async () => {
    const old = view({ id: 'v1', name: 'mine', query: { role: 'worker' } });
    api.list.mockResolvedValue({ items: [old] });
    api.replace.mockImplementation(async (id, v) => ({ view: view({ id, ...v }) }));
    const w = await mountIt();
    await input(w, 'saved-view-name').setValue('mine');
    expect(w.find('[data-testid="saved-view-save"]').text()).toBe('Replace view');
    await w.find('form').trigger('submit');
    await flushPromises();
    expect(api.create).not.toHaveBeenCalled();
    expect(api.replace).toHaveBeenCalledWith('v1', {
      name: 'mine',
      query: { search: 'web', status: 'NotReady', sort: '-age' },
      columns: COLS,
    });
    expect(names(w)).toEqual(['mine']);
  });

  it('renames and deletes a view, and shows the server’s refusal', async () => {
    api.list.mockResolvedValue({
      items: [view({ id: 'a', name: 'alpha', query: { role: 'x' } }), view({ id: 'b', name: 'beta' })],
    });
    api.replace.mockImplementation(async (id, v) => ({ view: view({ id, ...v }) }));
    const w = await mountIt();
    await w.findAll('[data-testid="saved-view-rename"]')[0]!.trigger('click');
    await input(w, 'saved-view-rename-input').setValue('zeta');
    await w.find('[data-testid="saved-view-rename-ok"]').trigger('click');
    await flushPromises();
    expect(api.replace).toHaveBeenCalledWith('a', { name: 'zeta', query: { role: 'x' }, columns: null });
    expect(names(w)).toEqual(['beta', 'zeta']);

    api.remove.mockResolvedValue(undefined);
    await w.findAll('[data-testid="saved-view-delete"]')[0]!.trigger('click');
    await flushPromises();
    expect(api.remove).toHaveBeenCalledWith('b');
    expect(names(w)).toEqual(['zeta']);

    const { ApiError } = await import('../api/http');
    api.create.mockRejectedValue(
      new ApiError(
        400,
        'BadRequest',
        'you have 50 saved views, the most one user may keep; delete one first',
      ),
    );
    await input(w, 'saved-view-name').setValue('one more');
    await w.find('form').trigger('submit');
    await flushPromises();
    expect(w.find('[data-testid="saved-views-error"]').text()).toContain('delete one first');
    expect(names(w)).toEqual(['zeta']);
  });
});

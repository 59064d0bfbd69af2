import { describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { h } from 'vue';
import { ElTableColumn } from 'element-plus';
import { installElement } from '../element';
import ListPageTable from './ListPageTable.vue';

interface Row {
  id: string;
  name: string;
}

async function mountTable(props: { data: Row[]; loading: boolean; loaded: boolean; error: string }) {
  const w = mount(ListPageTable, {
    props: { ...props, emptyText: 'No templates yet' },
    attrs: { 'data-testid': 'templates-table', 'row-key': 'id' },
    slots: { default: () => h(ElTableColumn, { prop: 'name', label: 'Name' }) },
    global: { plugins: [{ install: installElement }] },
  });
  await flushPromises();
  return w;
}

const table = (w: Awaited<ReturnType<typeof mountTable>>) => w.find('[data-testid="templates-table"]');

describe('ListPageTable', () => {
  it('spins and says nothing before the first read, then says the list is empty', async () => {
    const w = await mountTable({ data: [], loading: true, loaded: false, error: '' });
    expect(table(w).find('.el-loading-mask').exists()).toBe(true);
    expect(table(w).text()).not.toContain('No templates yet');

    // The mask fades out on a timer of its own; whether it shows once loaded is the next test's subject.
    await w.setProps({ loading: false, loaded: true });
    await flushPromises();
    expect(table(w).text()).toContain('No templates yet');
  });

  it('keeps the rows on screen, without a spinner, while it re-reads', async () => {
    const w = await mountTable({ data: [{ id: '1', name: 'gold' }], loading: true, loaded: true, error: '' });
    expect(table(w).find('.el-loading-mask').exists()).toBe(false);
    expect(
      table(w)
        .findAll('.el-table__body tr')
        .map((r) => r.text()),
    ).toEqual(['gold']);
  });

  it('shows the read error above the table', async () => {
    const w = await mountTable({ data: [], loading: false, loaded: false, error: 'connection refused' });
    expect(w.find('.el-alert').text()).toContain('connection refused');
    const ok = await mountTable({ data: [], loading: false, loaded: true, error: '' });
    expect(ok.find('.el-alert').exists()).toBe(false);
  });
});

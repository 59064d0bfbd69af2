/**
 * The node table's columns: which are shown (remembered per browser), their header and row layout with the
 * leading ones frozen when scrolling sideways, and sorting by a column's header.
 */
import { computed, ref, type Ref } from 'vue';
import { useI18n } from 'vue-i18n';
import type { NodeRow } from '../api/types';
import { canOperate } from '../session';
import { COLUMNS, loadVisibleColumns, renderContext, saveVisibleColumns, type ColumnId } from './columns';
import type { Sort } from './filter';
import { freezeLeading } from './frozenColumns';
import { rowColumnStyle, type RowColumn } from './NodeRowCells';
import type { HeaderColumn } from './NodeTable.vue';

const SELECT_WIDTH = 44;

export function useNodeColumns(opts: {
  sort: Ref<Sort | null>;
  now: Ref<number>;
  open: (n: NodeRow) => void;
}) {
  const { t } = useI18n();
  const { sort } = opts;
  const visibleColumns = ref<Set<ColumnId>>(loadVisibleColumns());
  function setColumnVisible(id: ColumnId, on: boolean) {
    const next = new Set(visibleColumns.value);
    if (on) next.add(id);
    else next.delete(id);
    visibleColumns.value = next;
    saveVisibleColumns(next);
  }

  const headerColumns = computed<HeaderColumn[]>(() => {
    const cols: HeaderColumn[] = [];
    if (canOperate.value)
      cols.push({
        key: 'select',
        title: '',
        sortable: false,
        width: SELECT_WIDTH,
        style: rowColumnStyle(SELECT_WIDTH),
      });
    for (const c of COLUMNS) {
      if (!visibleColumns.value.has(c.id)) continue;
      cols.push({
        key: c.id,
        title: t(`nodes.col.${c.id}`),
        sortable: !!c.sort,
        width: c.width,
        style: rowColumnStyle(c.width, c.flexGrow),
        ...(c.hint ? { hint: t(c.hint) } : {}),
      });
    }
    return freezeLeading(cols, (h) => h.width);
  });

  const rowColumns = computed<RowColumn[]>(() => {
    const out: RowColumn[] = [];
    if (canOperate.value) out.push({ def: 'select', key: 'select', style: rowColumnStyle(SELECT_WIDTH) });
    for (const c of COLUMNS)
      if (visibleColumns.value.has(c.id))
        out.push({ def: c, key: c.id, style: rowColumnStyle(c.width, c.flexGrow) });
    return freezeLeading(out, (c) => (c.def === 'select' ? SELECT_WIDTH : c.def.width));
  });

  const cellContext = computed(() => renderContext((k) => t(k), opts.open, opts.now.value));

  const sortColumn = computed(() => COLUMNS.find((c) => c.sort === sort.value?.key)?.id ?? '');

  /** Ascending, then descending, then unsorted. */
  function onSort(key: string) {
    const col = COLUMNS.find((c) => c.id === key);
    if (!col?.sort) return;
    if (sort.value?.key === col.sort) sort.value = sort.value.desc ? null : { key: col.sort, desc: true };
    else sort.value = { key: col.sort, desc: false };
  }

  return { visibleColumns, setColumnVisible, headerColumns, rowColumns, cellContext, sortColumn, onSort };
}

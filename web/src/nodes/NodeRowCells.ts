/**
 * The cells of one node row, rendered through el-table-v2's `row` slot. el-table-v2 re-renders every visible
 * row on each scroll event (new style objects for every cell, twice per event); rendering the cells in this
 * component instead means a row whose node, columns and selection are unchanged is skipped by Vue entirely
 * (same props → no update), so scrolling costs only the rows entering the window. Cell boxes use the same
 * `el-table-v2__row-cell` class and flex/width styles as el-table-v2's own cells, so they line up with the
 * header.
 */
import { defineComponent, h, type PropType } from 'vue';
import type { NodeRow } from '../api/types';
import { selectionCell, type ColumnDef, type RenderContext } from './columns';

export interface RowColumn {
  /** A data column, or the selection checkbox. */
  def: ColumnDef | 'select';
  key: string;
  /** Stable object per column: Vue skips patching an identical style. */
  style: Record<string, string>;
}

export function rowColumnStyle(width: number, flexGrow = 0): Record<string, string> {
  return { flex: `${flexGrow} 1 auto`, width: `${width}px` };
}

export const NodeRowCells = defineComponent({
  name: 'NodeRowCells',
  props: {
    row: { type: Object as PropType<NodeRow>, required: true },
    columns: { type: Array as PropType<RowColumn[]>, required: true },
    ctx: { type: Object as PropType<RenderContext>, required: true },
    selected: { type: Boolean, default: false },
    onToggle: { type: Function as PropType<(key: string, on: boolean) => void>, default: undefined },
  },
  setup(props) {
    return () =>
      props.columns.map((c) =>
        h('div', { key: c.key, class: 'el-table-v2__row-cell', role: 'cell', style: c.style }, [
          c.def === 'select'
            ? selectionCell(props.selected, (on) => props.onToggle?.(props.row.key!, on))
            : c.def.render(props.row, props.ctx),
        ]),
      );
  },
});

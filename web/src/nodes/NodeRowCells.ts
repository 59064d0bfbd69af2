/**
 * The cells of one node row in NodeTable.
 *
 * A row whose node, columns and selection are unchanged is skipped by Vue entirely (same props → no
 * update), so a scrolled frame only pays for the rows that enter the window. Those are built as one escaped
 * HTML string per row (one DOM write instead of ~40 element creations through the renderer), with clicks and
 * checkbox changes handled here by delegation. Cells carry the same flex/width styles as their header cells,
 * so they line up; the wrapper is `display: contents`.
 */
import { defineComponent, h, type PropType } from 'vue';
import type { NodeRow } from '../api/types';
import { selectionCell, type ColumnDef, type RenderContext } from './columns';

export interface RowColumn {
  /** A data column, or the selection checkbox. */
  def: ColumnDef | 'select';
  key: string;
  /** `flex: …; width: …px`, shared with the matching header cell. */
  style: string;
}

export function rowColumnStyle(width: number, flexGrow = 0): string {
  return `flex: ${flexGrow} 1 auto; width: ${width}px`;
}

export function rowHtml(row: NodeRow, columns: RowColumn[], ctx: RenderContext, selected: boolean): string {
  let html = '';
  for (const c of columns) {
    const inner = c.def === 'select' ? selectionCell(selected, row.name) : c.def.render(row, ctx);
    html += `<div class="knm-td" role="cell" style="${c.style}">${inner}</div>`;
  }
  return html;
}

export const NodeRowCells = defineComponent({
  name: 'NodeRowCells',
  props: {
    row: { type: Object as PropType<NodeRow>, required: true },
    columns: { type: Array as PropType<RowColumn[]>, required: true },
    ctx: { type: Object as PropType<RenderContext>, required: true },
    selected: { type: Boolean, default: false },
    onToggle: {
      type: Function as PropType<(key: string, on: boolean, range: boolean) => void>,
      default: undefined,
    },
  },
  setup(props) {
    // A checkbox's click (which knows the Shift key) comes just before its change event.
    let shift = false;
    const onClick = (e: Event) => {
      const target = e.target as Element | null;
      shift = (e as MouseEvent).shiftKey === true;
      if (target?.closest('[data-action="open"]')) {
        e.preventDefault();
        props.ctx.openNode(props.row);
      }
    };
    const onChange = (e: Event) => {
      const input = e.target as HTMLInputElement | null;
      if (input?.dataset.testid === 'node-select') props.onToggle?.(props.row.key!, input.checked, shift);
      shift = false;
    };
    return () =>
      h('div', {
        class: 'knm-row-cells',
        innerHTML: rowHtml(props.row, props.columns, props.ctx, props.selected),
        onClick,
        onChange,
      });
  },
});

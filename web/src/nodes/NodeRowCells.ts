/**
 * The cells of one node row in NodeTable.
 *
 * A row whose node, columns and selection are unchanged is skipped by Vue entirely (same props → no
 * update), so a scrolled frame only pays for the rows that enter the window. Those are built as escaped HTML
 * strings (one DOM write per cell instead of ~40 element creations through the renderer), with clicks and
 * checkbox changes handled here by delegation. When the same node changes (a live update, or the live
 * snapshot replacing the first page's rows), only the cells whose text changed are written again: rewriting
 * whole rows made the browser parse, style and lay out every visible cell, 100–200 ms for one screen when a
 * usage refresh touched every row. Cells carry the same flex/width styles as their header cells, so they line
 * up; the wrapper is `display: contents`.
 */
import { defineComponent, h, onMounted, onUpdated, ref, type PropType } from 'vue';
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

function cellContent(c: RowColumn, row: NodeRow, ctx: RenderContext, selected: boolean): string {
  return c.def === 'select' ? selectionCell(selected, row.name) : c.def.render(row, ctx);
}

const cellHtml = (c: RowColumn, content: string) =>
  `<div class="knm-td" role="cell" style="${c.style}">${content}</div>`;

/** The same cells in the same places: only their contents need writing. */
function sameLayout(a: RowColumn[], b: RowColumn[]): boolean {
  if (a === b) return true;
  return a.length === b.length && a.every((c, i) => c.key === b[i]!.key && c.style === b[i]!.style);
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
    const root = ref<HTMLElement | null>(null);
    let shown: { columns: RowColumn[]; contents: string[] } | undefined;
    const write = () => {
      const el = root.value;
      if (!el) return;
      const { columns, row, ctx, selected } = props;
      const contents = columns.map((c) => cellContent(c, row, ctx, selected));
      if (!shown || !sameLayout(shown.columns, columns) || el.children.length !== columns.length) {
        el.innerHTML = contents.map((content, i) => cellHtml(columns[i]!, content)).join('');
      } else {
        for (let i = 0; i < contents.length; i++) {
          if (contents[i] !== shown.contents[i]) el.children[i]!.innerHTML = contents[i]!;
        }
      }
      shown = { columns, contents };
    };
    onMounted(write);
    onUpdated(write);
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
        ref: root,
        class: 'knm-row-cells',
        onClick,
        onChange,
      });
  },
});

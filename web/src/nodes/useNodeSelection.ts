/**
 * The selected nodes, by key: a click toggles one, shift-click a range from the last clicked row in the
 * current order, the header box every visible row. Rows that leave the store drop out of `selectedRows`.
 */
import { computed, shallowRef, type Ref } from 'vue';
import type { NodeRow } from '../api/types';
import { nodeStore } from '../live/nodes';
import { toggleWithRange } from './rangeSelection';

export function useNodeSelection(rows: Ref<NodeRow[]>) {
  const selected = shallowRef<Set<string>>(new Set());
  const selectedRows = computed(() => {
    void nodeStore.revision.value;
    const out: NodeRow[] = [];
    for (const k of selected.value) {
      const n = nodeStore.rows.get(k);
      if (n) out.push(n);
    }
    return out;
  });

  let anchor: string | undefined;
  function toggle(key: string, on: boolean, range = false) {
    const order = range ? rows.value.map((n) => n.key!) : [];
    selected.value = toggleWithRange(selected.value, order, anchor, key, on, range);
    anchor = key;
  }

  const allVisibleSelected = computed(
    () => rows.value.length > 0 && rows.value.every((n) => selected.value.has(n.key!)),
  );
  const someVisibleSelected = computed(
    () => !allVisibleSelected.value && rows.value.some((n) => selected.value.has(n.key!)),
  );
  function toggleAll(on: boolean) {
    const next = new Set(selected.value);
    for (const n of rows.value) {
      if (on) next.add(n.key!);
      else next.delete(n.key!);
    }
    selected.value = next;
  }
  function clear() {
    selected.value = new Set();
  }

  return { selected, selectedRows, toggle, toggleAll, clear, allVisibleSelected, someVisibleSelected };
}

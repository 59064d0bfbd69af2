/**
 * The row list behind LabelEditor and TaintEditor. Rows loaded from the node carry `original` and are only
 * marked removed (so the user can undo and the change can name what was there); rows the user added are
 * dropped outright. One blank row always stays last to type into.
 */
import { reactive, watch, type WatchSource } from 'vue';

export interface KvRow {
  key: string;
  value: string;
  original?: object;
  removed: boolean;
}

export function useKvRows<R extends KvRow>(options: {
  /** A fresh row to type into. */
  blank: () => R;
  /** The rows to start from; called again whenever `source` changes, discarding the user's edits. */
  load: () => R[];
  source: WatchSource;
}) {
  // reactive<R[]> would unwrap R into a type TypeScript cannot relate back to R.
  const rows = reactive<KvRow[]>([]) as R[];

  watch(options.source, () => rows.splice(0, rows.length, ...options.load(), options.blank()), {
    immediate: true,
  });

  const isBlank = (r: R) => !r.original && r.key === '' && r.value === '';

  function onInput(i: number) {
    if (i === rows.length - 1 && !isBlank(rows[i]!)) rows.push(options.blank());
  }

  function toggleRemove(i: number) {
    const r = rows[i]!;
    if (r.original) r.removed = !r.removed;
    else if (rows.length > 1) rows.splice(i, 1);
  }

  return { rows, isBlank, onInput, toggleRemove };
}

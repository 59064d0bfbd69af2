/**
 * The submit step every node-operation dialog shares: the operation decides single node vs. batch job and
 * handles guard refusals (see operations.ts); the dialog closes only when the operation went ahead, stays
 * open when the user backed off, and shows the error of a failed request in place.
 */
import { computed, shallowRef, watch, type Ref } from 'vue';
import type { NodeRow } from '../api/types';
import { useAsyncTask } from '../composables/useAsyncTask';

export function useOperationSubmit(open: Ref<boolean>) {
  const { running: busy, error, run } = useAsyncTask();

  /** `operation` resolves to false when the user backed off (a declined guard override). */
  async function submit(operation: () => Promise<boolean>): Promise<void> {
    let wentAhead = false;
    await run(async () => {
      wentAhead = await operation();
    });
    if (wentAhead) open.value = false;
  }

  return { busy, error, submit };
}

/**
 * For the dialogs around an editor (labels, taints): the editor's latest report, and what a single node has
 * now, snapshotted when the dialog opens so live updates do not reset what the user typed. A selection has
 * no single "now", so its editor starts empty.
 */
export function useEditorSubmit<S extends { valid: boolean; empty: boolean }, C>(
  open: Ref<boolean>,
  targets: () => NodeRow[],
  snapshot: (node: NodeRow) => C,
) {
  const { busy, error, submit } = useOperationSubmit(open);
  const state = shallowRef<S | null>(null);
  const current = shallowRef<C | null>(null);

  watch(
    open,
    (o) => {
      if (!o) return;
      error.value = '';
      const list = targets();
      current.value = list.length === 1 ? snapshot(list[0]!) : null;
    },
    { immediate: true },
  );

  const canSave = computed(() => !!state.value && state.value.valid && !state.value.empty && !busy.value);

  return { state, current, busy, error, submit, canSave };
}

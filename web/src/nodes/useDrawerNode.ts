/**
 * The row the node drawer shows: the live row of the open node, or its last state once it left the store
 * (the drawer then says the node was deleted instead of closing under the user).
 */
import { computed, watch, type Ref } from 'vue';
import type { NodeRow } from '../api/types';
import { nodeStore } from '../live/nodes';

export function useDrawerNode(openKey: Ref<string | null>, loaded: () => boolean) {
  let lastRow: NodeRow | null = null;
  const drawerRow = computed(() => {
    void nodeStore.revision.value;
    return openKey.value ? (nodeStore.rows.get(openKey.value) ?? lastRow) : null;
  });
  const drawerDeleted = computed(() => {
    void nodeStore.revision.value;
    return !!openKey.value && !nodeStore.rows.has(openKey.value) && loaded();
  });
  watch(drawerRow, (r) => {
    if (r && openKey.value && nodeStore.rows.has(openKey.value)) lastRow = r;
  });
  watch(openKey, (k) => {
    lastRow = k ? (nodeStore.rows.get(k) ?? null) : null;
  });
  return { drawerRow, drawerDeleted };
}

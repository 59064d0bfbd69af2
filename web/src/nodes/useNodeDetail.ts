/**
 * The detail of the drawer's node (GET /nodes/:cluster/:name), re-read whenever the live row changes so the
 * drawer never shows an older state than the table. Live fields come from the row, the rest from the detail.
 */
import { computed, ref, shallowRef, watch, type Ref } from 'vue';
import { nodes as nodesApi, type NodeDetailAnswer } from '../api/endpoints';
import type { NodeRow } from '../api/types';
import { errorMessage } from './operations';

export function useNodeDetail(row: Ref<NodeRow | null>) {
  const detail = shallowRef<NodeDetailAnswer | null>(null);
  const detailError = ref('');
  /** Only while a different node's detail (or none) is shown: a re-read of the same node keeps the old one. */
  const loading = ref(false);

  let loadSeq = 0;
  async function loadDetail(n: NodeRow) {
    const seq = ++loadSeq;
    loading.value = !detail.value || detail.value.name !== n.name || detail.value.cluster !== n.cluster;
    try {
      const d = await nodesApi.get(n.cluster, n.name);
      if (seq === loadSeq) {
        detail.value = d;
        detailError.value = '';
      }
    } catch (e) {
      if (seq === loadSeq) detailError.value = errorMessage(e);
    } finally {
      if (seq === loadSeq) loading.value = false;
    }
  }

  watch(
    () => (row.value ? `${row.value.cluster}/${row.value.name}` : ''),
    (key) => {
      detail.value = null;
      detailError.value = '';
      if (key && row.value) void loadDetail(row.value);
    },
    { immediate: true },
  );
  watch(
    () => row.value?.resourceVersion,
    (rv, old) => {
      if (row.value && rv && old && rv !== old) void loadDetail(row.value);
    },
  );

  const merged = computed(() => (row.value ? { ...(detail.value ?? {}), ...row.value } : null));
  return { detail, detailError, loading, merged };
}

/**
 * What keeps the node screen live: the socket follows the cluster scope, a stale list (degraded, or no socket)
 * is re-read periodically, row highlights expire, relative times tick, a removed cluster's rows leave, and each
 * listed cluster's permission preflight is fetched so actions the identity cannot perform show disabled.
 */
import { onBeforeUnmount, onMounted, ref, watch, type Ref } from 'vue';
import type { NodeView } from '../live/nodeView';
import { nodeStore } from '../live/nodes';
import type { LiveSocket } from '../live/socket';
import { clusterStore, loadClusters } from '../stores/clusters';
import { syncPermissions } from '../stores/permissions';
import type { NodeListState } from './useNodeList';

const STALE_REREAD_MS = 15_000;
const FLASH_CHECK_MS = 500;
const CLOCK_TICK_MS = 60_000;

export function useLiveNodes(opts: {
  scope: Ref<string>;
  view: NodeView;
  socket: LiveSocket;
  listState: NodeListState;
  load: () => Promise<void>;
  /** Called before the scope changes what the store holds (the selection does not survive it). */
  onScopeChange: () => void;
  syncQuery: () => void;
}) {
  const { scope, view, socket, listState, load } = opts;
  /** Relative times ("5m") re-render from this. */
  const now = ref(Date.now());

  function applyScope() {
    const keep = scope.value ? new Set([scope.value]) : null;
    opts.onScopeChange();
    nodeStore.dropClustersExcept(keep);
    view.setScope(keep);
    socket.setClusters(scope.value ? [scope.value] : ['*']);
    void load();
  }

  watch(scope, () => {
    opts.syncQuery();
    applyScope();
  });

  let refreshTimer: number | undefined;
  let flashTimer: number | undefined;
  let clockTimer: number | undefined;
  // At setup, not on mount: the first page's request is on its way while the rest of the screen mounts (at
  // 5,000 nodes on a slow machine, mounting the screen is one of the longest tasks of the first load).
  applyScope();
  onMounted(() => {
    void loadClusters();
    refreshTimer = window.setInterval(() => {
      const stale = listState.degraded || socket.status.value !== 'open';
      if (stale && !listState.loading) void load();
    }, STALE_REREAD_MS);
    flashTimer = window.setInterval(() => {
      if (!nodeStore.flashCount) return;
      const expired = nodeStore.expireFlashes();
      if (expired.length) view.refresh(expired);
    }, FLASH_CHECK_MS);
    clockTimer = window.setInterval(() => (now.value = Date.now()), CLOCK_TICK_MS);
  });

  onBeforeUnmount(() => {
    window.clearInterval(refreshTimer);
    window.clearInterval(flashTimer);
    window.clearInterval(clockTimer);
    socket.setClusters([]);
    nodeStore.dropClustersExcept(new Set());
  });

  // Only clusters seen in an earlier list count as removed: a new cluster may reach the socket before the list.
  let knownClusters = new Set<string>();
  watch(
    () => clusterStore.items.map((c) => c.name).join(','),
    () => {
      if (!clusterStore.loaded) return;
      const names = new Set(clusterStore.items.map((c) => c.name));
      const gone = [...knownClusters].filter((n) => !names.has(n));
      knownClusters = names;
      if (gone.length) nodeStore.dropClusters(gone);
    },
  );

  watch(
    () => (clusterStore.loaded ? clusterStore.items.map((c) => c.name).join(',') : null),
    () => {
      if (clusterStore.loaded) syncPermissions(clusterStore.items.map((c) => c.name));
    },
    { immediate: true },
  );

  return { now };
}

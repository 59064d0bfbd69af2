/** Cluster list with live health: loaded over HTTP, then kept current by `cluster.state` messages. */
import { reactive } from 'vue';
import { clusters as clustersApi } from '../api/endpoints';
import type { ClusterInfo } from '../api/types';
import { liveSocket } from '../live/socket';

export const clusterStore = reactive({
  items: [] as ClusterInfo[],
  loaded: false,
  loading: false,
  error: '',
});

let inflight: Promise<void> | null = null;

export function loadClusters(): Promise<void> {
  if (inflight) return inflight;
  clusterStore.loading = true;
  inflight = clustersApi
    .list()
    .then((r) => {
      clusterStore.items = [...r.items].sort((a, b) => a.name.localeCompare(b.name));
      clusterStore.error = '';
      clusterStore.loaded = true;
    })
    .catch((e: Error) => {
      clusterStore.error = e.message;
    })
    .finally(() => {
      clusterStore.loading = false;
      inflight = null;
    });
  return inflight;
}

export function upsertCluster(info: ClusterInfo): void {
  const i = clusterStore.items.findIndex((c) => c.name === info.name);
  // A removal announces only {name, state}: keep the other fields until the list is re-read.
  if (i >= 0) clusterStore.items[i] = { ...clusterStore.items[i]!, ...info };
  else if (info.nodeCount === undefined) return;
  else clusterStore.items = [...clusterStore.items, info].sort((a, b) => a.name.localeCompare(b.name));
}

export function removeClusterLocal(name: string): void {
  clusterStore.items = clusterStore.items.filter((c) => c.name !== name);
}

liveSocket().on((m) => {
  if (m.type !== 'cluster.state' || !m.state) return;
  upsertCluster({ ...m.state, name: m.state.name ?? m.cluster });
  // A stopped cluster may have been removed: the list tells.
  if (m.state.state === 'stopped') void loadClusters();
});

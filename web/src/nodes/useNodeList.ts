/**
 * Loading the node list: GET /nodes for the first paint, then the socket keeps the store current. With the
 * socket up, its snapshots bring the rows and the REST read only fetches the list's metadata (sources, cluster
 * states, errors); without it, or when a cluster is not served live, the full list is paged in.
 */
import { nextTick, reactive, type Ref } from 'vue';
import { nodes as nodesApi } from '../api/endpoints';
import type { ClusterState, NodeList, NodeRow } from '../api/types';
import { snapshotsArrive, socketOpens } from '../live/firstLoad';
import { nodeStore } from '../live/nodes';
import type { LiveSocket } from '../live/socket';
import { perf } from '../perf';
import { errorMessage } from './operations';

export interface NodeListState {
  loading: boolean;
  loaded: boolean;
  error: string;
  degraded: boolean;
  source: 'cache' | 'direct';
  clusters: Record<string, ClusterState>;
  errors: Record<string, string>;
}

const PAGE = 10000;

export function useNodeList(scope: Ref<string>, socket: LiveSocket) {
  const listState = reactive<NodeListState>({
    loading: false,
    loaded: false,
    error: '',
    degraded: false,
    source: 'cache',
    clusters: {},
    errors: {},
  });

  let loadSeq = 0;
  async function load(full = false): Promise<void> {
    const seq = ++loadSeq;
    listState.loading = true;
    listState.error = '';
    perf?.mark('listRequested');
    try {
      const items: NodeRow[] = [];
      let cont: string | undefined;
      let last: NodeList;
      const live = !full && (await socketOpens(socket));
      do {
        const limit = live ? 1 : PAGE;
        last = await nodesApi.list({ cluster: scope.value || undefined, limit, continue: cont });
        items.push(...last.items);
        cont = last.continue || undefined;
      } while (cont && !live && seq === loadSeq);
      if (seq !== loadSeq) return;
      const inScope = scope.value ? [scope.value] : Object.keys(last.clusters ?? {});
      if (
        live &&
        (last.source !== 'cache' || last.degraded || !(await snapshotsArrive(nodeStore, inScope)))
      ) {
        // Not all served live, or no snapshot came: the full list after all.
        if (seq === loadSeq) void load(true);
        return;
      }
      if (seq !== loadSeq) return;
      perf?.mark('apiAnswer');
      listState.degraded = last.degraded;
      listState.source = last.source;
      listState.clusters = last.clusters ?? {};
      listState.errors = last.errors ?? {};
      if (!live) nodeStore.loadList(items, inScope);
      listState.loaded = true;
      if (perf) await markUsable();
    } catch (e) {
      if (seq === loadSeq) listState.error = errorMessage(e);
    } finally {
      if (seq === loadSeq) listState.loading = false;
    }
  }

  return { listState, load };
}

/** Usable = rows are in the DOM and a frame has been produced with them (the console bench reads this mark). */
async function markUsable() {
  await nextTick();
  const check = () => {
    if (document.querySelector('[data-testid="node-row"]')) perf?.mark('tableUsable');
    else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
}

/**
 * Loading the node list. With the socket up, its snapshots bring the rows; the REST read fetches the list's
 * metadata (sources, cluster states, errors) together with the first page of the table's own query
 * (firstPage.ts), shown at once while the snapshot streams in behind it. Without the socket, or when a cluster
 * is not served live, the full list is paged in. Rows never cross the wire twice beyond that first page.
 */
import { nextTick, reactive, watch, type Ref } from 'vue';
import { nodes as nodesApi } from '../api/endpoints';
import type { ClusterState, NodeList, NodeRow } from '../api/types';
import { nodeListQuery } from '../export/nodes';
import { snapshotsArrive, socketOpens } from '../live/firstLoad';
import { nodeStore } from '../live/nodes';
import type { NodeView } from '../live/nodeView';
import type { LiveSocket } from '../live/socket';
import { perf } from '../perf';
import type { NodeFilter, Sort } from './filter';
import { FIRST_PAGE_ROWS, firstPageSort } from './firstPage';
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

/** The table's query, for reading its first page from the API. */
export interface FirstPageQuery {
  view: NodeView;
  filter: NodeFilter;
  sort: Ref<Sort | null>;
}

const PAGE = 10000;

export function useNodeList(scope: Ref<string>, socket: LiveSocket, first?: FirstPageQuery) {
  const listState = reactive<NodeListState>({
    loading: false,
    loaded: false,
    error: '',
    degraded: false,
    source: 'cache',
    clusters: {},
    errors: {},
  });

  /** The first page's query, or null when the table already has its rows or the server cannot order as it does. */
  function firstPageQuery(): Record<string, string | number | undefined> | null {
    // A table that holds only a first page (say, the scope changed meanwhile) reads the new query's.
    if (!first || (first.view.scopeTotal.value > 0 && first.view.partialTotal.value === null)) return null;
    const sort = firstPageSort(first.sort.value);
    if (sort === null) return null;
    return { ...nodeListQuery(scope.value, first.filter), sort, limit: FIRST_PAGE_ROWS };
  }

  /**
   * Shows a first page; true when it already holds every row in scope (unfiltered and whole). A filtered page,
   * even a whole one, is not the list: clearing the filter must not leave only its rows.
   */
  function showFirstPage(page: NodeList, clusters: string[]): boolean {
    nodeStore.loadList(page.items, clusters);
    const filtered =
      !!first &&
      Object.entries(nodeListQuery(scope.value, first.filter)).some(
        ([k, v]) => k !== 'cluster' && v !== undefined,
      );
    const complete = !filtered && !page.continue && page.items.length >= page.total;
    first?.view.setPartial(complete ? null : page.total);
    return complete;
  }

  let loadSeq = 0;
  async function load(full = false): Promise<void> {
    const seq = ++loadSeq;
    listState.loading = true;
    listState.error = '';
    perf?.mark('listRequested');
    try {
      const pageQuery = full ? null : firstPageQuery();
      const clusterQuery = { cluster: scope.value || undefined };
      // The first read does not wait for the socket: its answer is shown (or used for metadata) either way.
      const opened = full ? Promise.resolve(false) : socketOpens(socket);
      const head = await nodesApi.list(pageQuery ?? { ...clusterQuery, limit: full ? PAGE : 1 });
      if (seq !== loadSeq) return;
      perf?.mark('apiAnswer');
      const inScope = scope.value ? [scope.value] : Object.keys(head.clusters ?? {});
      const shown = pageQuery !== null && head.source === 'cache' && !head.degraded;
      if (shown) {
        const complete = showFirstPage(head, inScope);
        perf?.mark('firstPage');
        if (perf) void markUsable();
        if (complete) return finish(head, seq, false);
      }
      const socketUp = await opened;
      if (seq !== loadSeq) return;
      const live = socketUp && head.source === 'cache' && !head.degraded;
      if (!live) {
        // Not all served live: every row over HTTP, page by page.
        const items: NodeRow[] = full ? [...head.items] : [];
        let last = head;
        let cont = full ? head.continue || undefined : undefined;
        let needPage = !full;
        while (needPage || cont) {
          needPage = false;
          last = await nodesApi.list({ ...clusterQuery, limit: PAGE, continue: cont });
          if (seq !== loadSeq) return;
          items.push(...last.items);
          cont = last.continue || undefined;
        }
        nodeStore.loadList(items, scope.value ? [scope.value] : Object.keys(last.clusters ?? {}));
        return finish(last, seq, !shown);
      }
      if (!(await snapshotsArrive(nodeStore, inScope))) {
        // No snapshot came: the full list after all.
        if (seq === loadSeq) void load(true);
        return;
      }
      if (seq !== loadSeq) return;
      finish(head, seq, !shown);
    } catch (e) {
      if (seq === loadSeq) listState.error = errorMessage(e);
    } finally {
      if (seq === loadSeq) listState.loading = false;
    }
  }

  function finish(last: NodeList, seq: number, markTable: boolean): void {
    if (seq !== loadSeq) return;
    listState.degraded = last.degraded;
    listState.source = last.source;
    listState.clusters = last.clusters ?? {};
    listState.errors = last.errors ?? {};
    first?.view.setPartial(null);
    listState.loaded = true;
    if (perf && markTable) void markUsable();
  }

  // While only a first page is shown, a new filter or order reads the first page of the new query: the rows
  // on screen are a page of the server's answer, not the whole list to filter locally.
  let pageSeq = 0;
  if (first) {
    watch([() => JSON.stringify(first.filter), first.sort], async () => {
      if (first.view.partialTotal.value === null) return;
      const sort = firstPageSort(first.sort.value);
      if (sort === null) return;
      const seq = ++pageSeq;
      const loads = loadSeq;
      try {
        const page = await nodesApi.list({
          ...nodeListQuery(scope.value, first.filter),
          sort,
          limit: FIRST_PAGE_ROWS,
        });
        if (seq !== pageSeq || loads !== loadSeq || first.view.partialTotal.value === null) return;
        showFirstPage(page, scope.value ? [scope.value] : Object.keys(page.clusters ?? {}));
      } catch {
        // The live rows follow in any case; a failed page read changes nothing on screen.
      }
    });
  }

  return { listState, load };
}

/**
 * Usable = the table's first screen is in the DOM and a frame has been produced with it (the console bench
 * reads this mark, and the names on that screen, to check that they stay put when the live rows arrive).
 */
async function markUsable() {
  await nextTick();
  const check = () => {
    if (!perf || perf.marks.tableUsable !== undefined) return;
    const rows = [...document.querySelectorAll<HTMLElement>('[data-testid="node-row"]')];
    if (!rows.length) return void requestAnimationFrame(check);
    perf.mark('tableUsable');
    perf.firstScreen = rows
      .sort((a, b) => Number(a.getAttribute('aria-rowindex')) - Number(b.getAttribute('aria-rowindex')))
      .map((r) => r.dataset.nodeKey ?? '');
  };
  requestAnimationFrame(check);
}

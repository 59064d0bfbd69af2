/**
 * The node screen's query — cluster scope, filters, sort and the open node — kept in the URL (urlState.ts), and
 * the live view of the store it selects. The URL is the source of truth: a link pasted or followed while the
 * page is open applies its filters, and a bare #/nodes restores the session's last query.
 */
import { computed, onBeforeUnmount, reactive, ref, shallowRef, watch } from 'vue';
import { nodeStore } from '../live/nodes';
import { nextTask } from '../live/nextTask';
import { createNodeView } from '../live/nodeView';
import { route, setQuery } from '../router';
import { COLUMNS } from './columns';
import { compileFilter, emptyFilter, type NodeFilter, type Sort } from './filter';
import {
  queryFromState,
  rememberedNodesQuery,
  rememberNodesQuery,
  sameQuery,
  stateFromQuery,
} from './urlState';

/** Typing in the search box re-filters 5,000 rows; the filter applies after a pause in typing. */
const FILTER_PAUSE_MS = 120;

export function useNodeQuery() {
  const sortable = (key: string) => COLUMNS.some((c) => c.sort === key);
  const remembered = Object.keys(route.query).length ? null : rememberedNodesQuery();
  if (remembered) setQuery(remembered);
  const initial = stateFromQuery(route.query, sortable);
  const scope = ref(initial.scope);
  const filter = reactive<NodeFilter>(initial.filter);
  const sort = ref<Sort | null>(initial.sort);
  const openKey = ref<string | null>(initial.node);
  const compiled = shallowRef(compileFilter(filter));
  const view = createNodeView(nodeStore, { filter: compiled.value, sort: sort.value }, nextTask);

  function currentQuery() {
    return queryFromState({ scope: scope.value, filter, sort: sort.value, node: openKey.value });
  }
  function syncQuery() {
    const q = currentQuery();
    rememberNodesQuery(q);
    if (route.path === '/nodes') setQuery(q);
  }

  // Our own writes compare equal, so only a link from elsewhere replaces the state.
  watch(
    () => route.query,
    (q) => {
      if (route.path !== '/nodes' || sameQuery(q, currentQuery())) return;
      const next = stateFromQuery(q, sortable);
      Object.assign(filter, next.filter);
      compiled.value = compileFilter(filter);
      view.setFilter(compiled.value);
      sort.value = next.sort;
      openKey.value = next.node;
      scope.value = next.scope;
    },
  );
  watch(openKey, syncQuery);

  let filterTimer: number | undefined;
  watch(
    filter,
    () => {
      window.clearTimeout(filterTimer);
      filterTimer = window.setTimeout(() => {
        compiled.value = compileFilter(filter);
        view.setFilter(compiled.value);
        syncQuery();
      }, FILTER_PAUSE_MS);
    },
    { deep: true },
  );

  watch(sort, (s) => {
    view.setSort(s);
    syncQuery();
  });

  const hasFilter = computed(
    () =>
      !!(
        filter.search ||
        filter.status.length ||
        filter.schedulable ||
        filter.role ||
        filter.labelSelector ||
        filter.taint ||
        filter.condition ||
        filter.usage
      ),
  );
  function clearFilters() {
    Object.assign(filter, emptyFilter());
  }

  onBeforeUnmount(() => {
    window.clearTimeout(filterTimer);
    view.dispose();
  });

  return { scope, filter, sort, openKey, compiled, view, hasFilter, clearFilters, syncQuery };
}

export type NodeQueryState = ReturnType<typeof useNodeQuery>;

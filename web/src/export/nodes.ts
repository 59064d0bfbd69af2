/**
 * Export of the Nodes page's filtered list: every matching row read from the API with the page's own query
 * (not only the rows rendered), in the page's order.
 */
import { nodes as nodesApi } from '../api/endpoints';
import type { NodeRow } from '../api/types';
import { compareRows, type NodeFilter, type Sort } from '../nodes/filter';
import type { CsvColumn } from './csv';

/** The console's filter as the API's `/nodes` query (the same grammar on both sides). */
export function nodeListQuery(scope: string, f: NodeFilter): Record<string, string | undefined> {
  return {
    cluster: scope || undefined,
    search: f.search.trim() || undefined,
    status: f.status.join(',') || undefined,
    schedulable: f.schedulable || undefined,
    role: f.role || undefined,
    labelSelector: f.labelSelector.trim() || undefined,
    taint: f.taint.trim() || undefined,
    condition: f.condition.trim() || undefined,
    usage: f.usage.trim() || undefined,
  };
}

/** Bounds the export of a runaway fleet; the API's page is 10,000 rows. */
export const MAX_EXPORT_PAGES = 20;

export async function fetchAllNodes(
  scope: string,
  f: NodeFilter,
  sort: Sort | null,
  list = nodesApi.list,
): Promise<NodeRow[]> {
  const query = nodeListQuery(scope, f);
  const rows: NodeRow[] = [];
  let cont: string | undefined;
  let pages = 0;
  do {
    const page = await list({ ...query, limit: 10000, continue: cont });
    rows.push(...page.items);
    cont = page.continue || undefined;
  } while (cont && ++pages < MAX_EXPORT_PAGES);
  if (sort) rows.sort((a, b) => compareRows(a, b, sort));
  return rows;
}

const joinMap = (m: Record<string, string>) =>
  Object.entries(m)
    .map(([k, v]) => (v ? `${k}=${v}` : k))
    .join(';');

export const NODE_CSV_COLUMNS: CsvColumn<NodeRow>[] = [
  { header: 'cluster', value: (n) => n.cluster },
  { header: 'name', value: (n) => n.name },
  { header: 'status', value: (n) => n.status },
  { header: 'schedulable', value: (n) => n.schedulable },
  { header: 'cordonReason', value: (n) => n.cordon?.reason },
  { header: 'roles', value: (n) => n.roles.join(';') },
  { header: 'internalIP', value: (n) => n.internalIP },
  { header: 'externalIP', value: (n) => n.externalIP },
  { header: 'kubeletVersion', value: (n) => n.kubeletVersion },
  { header: 'cpuAllocatable', value: (n) => n.allocatable.cpu },
  { header: 'cpuCapacity', value: (n) => n.capacity.cpu },
  { header: 'memoryAllocatable', value: (n) => n.allocatable.memory },
  { header: 'memoryCapacity', value: (n) => n.capacity.memory },
  { header: 'podCount', value: (n) => n.podCount },
  { header: 'labels', value: (n) => joinMap(n.labels) },
  {
    header: 'taints',
    value: (n) => n.taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join(';'),
  },
  { header: 'createdAt', value: (n) => n.createdAt },
];

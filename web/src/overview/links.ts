/** Where each overview number leads: the node list filtered to exactly the nodes it counts. */
import { ANY_PRESSURE } from '../../../src/cache/condition-filter';
import { format } from '../router';

export type OverviewCount = 'total' | 'ready' | 'notReady' | 'unknown' | 'cordoned' | 'underPressure';

export function nodesLink(cluster: string, count: OverviewCount): string {
  const q: Record<string, string> = { cluster };
  if (count === 'ready') q.status = 'Ready';
  else if (count === 'notReady') q.status = 'NotReady';
  else if (count === 'unknown') q.status = 'Unknown';
  else if (count === 'cordoned') q.schedulable = 'false';
  else if (count === 'underPressure') q.condition = ANY_PRESSURE;
  return format('/nodes', q);
}

export const jobsLink = (): string => format('/jobs', { status: 'running' });

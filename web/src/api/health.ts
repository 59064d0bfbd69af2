/** Node health history (docs/API.md "Node health history"), with the server's own wire types. */
import { enc, get } from './http';
import type {
  FleetHealth,
  FlappingNode,
  HealthGroupStats,
  HealthInterval,
  HealthKind,
  NodeTimeline,
  UnhealthyNode,
} from '../../../src/health/types';

export type {
  FleetHealth,
  FlappingNode,
  HealthGroupStats,
  HealthInterval,
  HealthKind,
  NodeTimeline,
  UnhealthyNode,
};
export { HEALTH_KINDS } from '../../../src/health/types';

export interface FleetQuery {
  from?: string;
  to?: string;
  flapping?: number;
  pool?: string;
  cluster?: string;
}

export const health = {
  timeline: (cluster: string, node: string, days = 30) =>
    get<NodeTimeline>(`/clusters/${enc(cluster)}/nodes/${enc(node)}/health`, { days }),
  fleet: (q: FleetQuery) => get<FleetHealth>('/health/fleet', { ...q }),
};

/**
 * The answer of a node query (GET /nodes). Types only: the console imports this module, so it must stay free
 * of runtime imports.
 */
import type { ClusterState } from '../clusters/types.js';
import type { NodeRow, PodCountSource } from './types.js';

export interface NodeQueryResult {
  items: NodeRow[];
  total: number;
  continue?: string;
  source: 'cache' | 'direct';
  degraded: boolean;
  clusters: Record<string, ClusterState>;
  podCountSource: Record<string, PodCountSource>;
  /** Why a cluster contributed no rows (it could not be read). */
  errors?: Record<string, string>;
}

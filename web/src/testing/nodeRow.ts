// One ready worker node as the API lists it, for component and store tests; each test overrides what it is about.
import type { NodeRow } from '../api/types';

export function nodeRow(cluster: string, name: string, over: Partial<NodeRow> = {}): NodeRow {
  return {
    cluster,
    name,
    uid: `${cluster}/${name}`,
    resourceVersion: '1',
    status: 'Ready',
    schedulable: true,
    unschedulable: false,
    roles: ['worker'],
    labels: {},
    taints: [],
    capacity: { cpu: '4', memory: '16Gi', pods: '110' },
    allocatable: { cpu: '4', memory: '16Gi', pods: '110' },
    podCount: 3,
    createdAt: '2024-01-01T00:00:00Z',
    conditions: [],
    ...over,
  };
}

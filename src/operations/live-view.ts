// Turning the live cache's node detail into the node shape writes plan on (NodeSource.nodeObject).
import type { NodeDetail } from '../cache/types.js';
import type { KubeNode } from '../kube/types.js';

/**
 * The fields cordon/uncordon/label writes read, from a cached NodeDetail. Taints are left out on purpose:
 * the cache drops `timeAdded`, so taint writes always plan on a fresh read.
 */
export function kubeNodeFromDetail(
  d: Pick<NodeDetail, 'name' | 'uid' | 'resourceVersion' | 'labels' | 'annotations' | 'unschedulable'>,
): KubeNode {
  return {
    metadata: {
      name: d.name,
      uid: d.uid,
      resourceVersion: d.resourceVersion,
      // The API server omits empty maps; a JSON patch must create them, so empty stays absent here.
      ...(Object.keys(d.labels).length ? { labels: { ...d.labels } } : {}),
      ...(Object.keys(d.annotations).length ? { annotations: { ...d.annotations } } : {}),
    },
    spec: d.unschedulable ? { unschedulable: true } : {},
  };
}

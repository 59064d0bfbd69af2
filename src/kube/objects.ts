// What the API machinery's helpers read off an object, for the object types of types.ts.
import type { KubeNode, ObjectMeta, OwnerReference } from './types.js';

export function nodeReadyStatus(node: KubeNode): 'Ready' | 'NotReady' | 'Unknown' {
  const c = node.status?.conditions?.find((x) => x.type === 'Ready');
  if (!c) return 'Unknown';
  return c.status === 'True' ? 'Ready' : c.status === 'False' ? 'NotReady' : 'Unknown';
}

/** metav1.GetControllerOf: the owner reference marked `controller: true`. */
export function controllerOf(meta: ObjectMeta): OwnerReference | undefined {
  return meta.ownerReferences?.find((r) => r.controller === true);
}

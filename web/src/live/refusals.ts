/**
 * Clusters that act as the signed-in user and whose own RBAC does not let this user list nodes: the socket
 * says so instead of sending their nodes. Kept per cluster until a snapshot of it arrives (access granted).
 */
import { reactive } from 'vue';
import type { ServerMessage } from '../api/types';

export const clusterRefusals = reactive(new Map<string, string>());

export function noteRefusal(m: ServerMessage): void {
  if (m.type === 'error' && m.cluster) clusterRefusals.set(m.cluster, m.message);
  else if (m.type === 'snapshot') clusterRefusals.delete(m.cluster);
}

// ClusterInfo = what the registry knows + what the live cache reports. Live fields never override identity.
import type { ClusterInfo, ClusterRecord, ClusterStatusProvider } from './types.js';

const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i;

/** True when a server URL carries `user:password@` (refused when a cluster is added). */
export const hasUserinfo = (server: string): boolean => USERINFO.test(server);

/**
 * A server URL fit to show or log: any `user:password@` part is dropped. Adding such a URL is refused, but a
 * row saved before that rule, or a context listed from a pasted kubeconfig, must not echo it either.
 */
export const displayServer = (server: string): string => server.replace(USERINFO, '$1');

export function toClusterInfo(
  record: ClusterRecord,
  provider: ClusterStatusProvider,
  loadError: string | undefined,
): ClusterInfo {
  const live = loadError ? {} : provider.status(record.name);
  const info: ClusterInfo = {
    name: record.name,
    source: record.source,
    server: displayServer(record.server),
    context: record.context,
    createdAt: record.createdAt,
    createdBy: record.createdBy,
    // Without a loaded client nothing can run; without a cache reporting, no informer is running yet.
    state: loadError ? 'unreachable' : (live.state ?? 'stopped'),
    nodeCount: live.nodeCount ?? 0,
    readyNodeCount: live.readyNodeCount ?? 0,
    podIndex: record.options.podIndex,
    impersonate: record.options.impersonate === true,
  };
  if (live.version) info.version = live.version;
  if (live.usage) info.usage = live.usage;
  if (live.lastEventAt) info.lastEventAt = live.lastEventAt;
  const lastError = loadError ?? live.lastError;
  if (lastError) info.lastError = lastError;
  return info;
}

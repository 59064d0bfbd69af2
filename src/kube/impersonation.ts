/**
 * Acting as another identity on a cluster (Kubernetes user impersonation): the request carries
 * `Impersonate-User` and one `Impersonate-Group` per group, the API server checks that our own identity may
 * `impersonate` them, and then authorizes the request as that user — so the cluster's RBAC decides too.
 */
import type { KubeClient, Query, RequestOptions, WatchEvent, WatchHandle, WatchOptions } from './client.js';
import type { Impersonation } from './impersonation-headers.js';

export {
  impersonationHeaders,
  MAX_IMPERSONATED_GROUPS,
  sendableGroups,
  type Impersonation,
} from './impersonation-headers.js';

/** The same connection, with every request and watch sent as `who`. */
export function impersonating(client: KubeClient, who: Impersonation): KubeClient {
  return {
    cluster: client.cluster,
    server: client.server,
    get callCount() {
      return client.callCount;
    },
    request: <T = unknown>(o: RequestOptions) => client.request<T>({ ...o, impersonate: who }),
    watch: <T = unknown>(
      path: string,
      query: Query,
      onEvent: (ev: WatchEvent<T>) => void,
      opts?: WatchOptions,
    ): WatchHandle => client.watch<T>(path, query, onEvent, { ...opts, impersonate: who }),
    // The connection belongs to the cluster; closing a per-user view must not close it for everyone.
    close: () => undefined,
  };
}

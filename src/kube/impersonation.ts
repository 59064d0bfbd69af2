/**
 * Acting as another identity on a cluster (Kubernetes user impersonation): the request carries
 * `Impersonate-User` and one `Impersonate-Group` per group, the API server checks that our own identity may
 * `impersonate` them, and then authorizes the request as that user — so the cluster's RBAC decides too.
 */
import type { KubeClient, Query, RequestOptions, WatchEvent, WatchHandle, WatchOptions } from './client.js';

export interface Impersonation {
  user: string;
  groups: readonly string[];
}

/**
 * A directory can hand out thousands of groups; every one is a header line on every call. Past this many the
 * rest are left out, which can only make the cluster refuse more, never allow more (RBAC only grants).
 */
export const MAX_IMPERSONATED_GROUPS = 256;
const MAX_GROUP_LENGTH = 1024;
/** What Node.js accepts in a header value without throwing, minus control characters. */
const HEADER_SAFE = /^[\x20-\x7e]+$/;

/** Groups that can be sent as header values; the others are dropped (they could not match a binding anyway). */
export function sendableGroups(groups: readonly string[]): string[] {
  const out = new Set<string>();
  for (const g of groups) {
    if (out.size >= MAX_IMPERSONATED_GROUPS) break;
    if (g.length > 0 && g.length <= MAX_GROUP_LENGTH && HEADER_SAFE.test(g) && g.trim() === g) out.add(g);
  }
  return [...out];
}

export function impersonationHeaders(i: Impersonation): Record<string, string | string[]> {
  if (!HEADER_SAFE.test(i.user)) throw new Error('impersonated user name cannot be sent as a header');
  const groups = sendableGroups(i.groups);
  return groups.length
    ? { 'Impersonate-User': i.user, 'Impersonate-Group': groups }
    : { 'Impersonate-User': i.user };
}

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

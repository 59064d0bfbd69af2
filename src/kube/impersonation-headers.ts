/**
 * The headers that make a request act as another identity (`Impersonate-User`, one `Impersonate-Group` per
 * group), and which names can be sent at all. Apart from impersonation.ts so the HTTP client can set them
 * without importing the wrapper that is built on the client.
 */
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

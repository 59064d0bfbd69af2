// The connection test run before a cluster is saved: GET /version (reachable, speaks Kubernetes, credentials
// accepted) then LIST nodes limit=1 (allowed to do the product's core read). Failures become the distinct
// registration errors of errors.ts.
import type { KubeClient } from '../kube/client.js';
import { KubeError } from '../kube/errors.js';
import { kubeErrorText } from '../kube/forbidden.js';
import { ApiError } from '../errors.js';
import { clusterError, clusterForbidden, tlsError, unauthorized, unreachable } from './errors.js';

/** /version is a few hundred bytes; anything near this is not an API server. */
const VERSION_MAX_BYTES = 1024 * 1024;

interface VersionInfo {
  gitVersion?: string;
  major?: string;
  minor?: string;
}

interface NodeListHead {
  items?: unknown[];
  metadata?: { remainingItemCount?: number; continue?: string };
}

export async function testConnection(client: KubeClient): Promise<{ version: string; nodeCount?: number }> {
  const server = client.server;
  let version: VersionInfo | undefined;
  try {
    version = await client.request<VersionInfo>({ path: '/version', maxBytes: VERSION_MAX_BYTES });
  } catch (e) {
    throw connectionError(e, server, 'GET /version');
  }
  if (!version || typeof version !== 'object' || !version.gitVersion) {
    throw clusterError(
      server,
      'GET /version did not return a Kubernetes version; is this a Kubernetes API server?',
    );
  }
  let nodes: NodeListHead;
  try {
    nodes = await client.request<NodeListHead>({ path: '/api/v1/nodes', query: { limit: 1 } });
  } catch (e) {
    throw connectionError(e, server, 'LIST nodes');
  }
  const listed = Array.isArray(nodes?.items) ? nodes.items.length : 0;
  // remainingItemCount is an estimate and may be absent on a chunked list; then the count is unknown.
  const remaining = nodes?.metadata?.remainingItemCount;
  const nodeCount =
    typeof remaining === 'number' ? listed + remaining : nodes?.metadata?.continue ? undefined : listed;
  return { version: version.gitVersion, ...(nodeCount !== undefined ? { nodeCount } : {}) };
}

export function connectionError(e: unknown, server: string, what: string): ApiError {
  if (e instanceof ApiError) return e;
  if (!(e instanceof KubeError)) return unreachable(server, `${what}: ${(e as Error)?.message ?? String(e)}`);
  switch (e.reason) {
    case 'Unreachable':
      return unreachable(server, e.message);
    case 'Timeout':
      return unreachable(server, `${what} timed out`);
    case 'TLSError':
      return tlsError(server, e.message);
    case 'Unauthorized':
      return unauthorized(server, e.message);
    case 'Forbidden':
      return clusterForbidden(server, kubeErrorText(e));
    case 'ResponseTooLarge':
    case 'MalformedResponse':
    case 'MalformedWatch':
      // The message names the call, the bound or the defect, and never quotes the answer.
      return clusterError(server, e.message);
    default:
      // Answers from something that is not an API server already read "HTTP 502 Bad Gateway (…)".
      return clusterError(
        server,
        e.message.startsWith('HTTP ')
          ? `${what}: ${e.message}`
          : `${what}: HTTP ${e.code || '?'} ${e.message}`,
      );
  }
}

/**
 * Conflict-safe node writes. Each attempt reads the node fresh from the API server, applies the intent to
 * what it read, and sends a JSON patch whose first op tests `metadata.resourceVersion`. If anyone wrote the
 * node in between, the server refuses (409, or 422 when the `test` op fails on an older rv — the API server
 * answers a failed JSON-patch test with 422), and we re-read and re-apply the intent after a jittered back-off.
 * No write is sent when the intent is already satisfied.
 */
import type { KubeClient } from '../kube/client.js';
import { KubeError, isKubeError } from '../kube/errors.js';
import { nodeWriteRetries } from '../metrics/registry.js';
import { planIntent, type NodeIntent } from './intent.js';
import type { KubeNode } from '../kube/types.js';
import { sleep, type Clock } from '../clock.js';

export interface WriteDeps {
  clock: Clock;
  random?: () => number;
  /** Total attempts, first included (default 8: a busy node — controllers, other tools — can take a few). */
  maxAttempts?: number;
  /** Back-off before attempt n+1 is random in [0, min(maxBackoffMs, baseBackoffMs·2^(n-1))). */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  signal?: AbortSignal;
  /**
   * The node as a live view last saw it: the first attempt is planned on it instead of a fresh GET. A stale
   * view costs one refused write (then the normal read-and-retry path); a view that says "nothing to do" is
   * confirmed with a fresh read, so a stale view never turns a needed write into a no-op.
   */
  base?: KubeNode;
}

export interface WriteResult {
  node: KubeNode;
  changed: boolean;
  attempts: number;
}

export const nodePath = (name: string) => `/api/v1/nodes/${encodeURIComponent(name)}`;

export async function readNode(client: KubeClient, name: string, signal?: AbortSignal): Promise<KubeNode> {
  return client.request<KubeNode>({ path: nodePath(name), signal });
}

export async function writeNodeIntent(
  client: KubeClient,
  name: string,
  intent: NodeIntent,
  deps: WriteDeps,
): Promise<WriteResult> {
  const max = deps.maxAttempts ?? 8;
  const random = deps.random ?? Math.random;
  let suspect: { rv: string; err: KubeError } | undefined;
  let base = deps.base?.metadata.resourceVersion ? deps.base : undefined;
  for (let attempt = 1; ; attempt++) {
    const node = base ?? (await readNode(client, name, deps.signal));
    const fromView = base !== undefined;
    base = undefined;
    const rv = node.metadata.resourceVersion ?? '';
    // A 422 whose node did not change since is a real rejection, not a lost race.
    if (suspect && suspect.rv === rv) throw suspect.err;
    suspect = undefined;
    const plan = planIntent(node, intent, new Date(deps.clock.now()));
    if (!plan.changed) {
      if (!fromView) return { node, changed: false, attempts: attempt };
      attempt--;
      continue;
    }
    try {
      const patched = await client.request<KubeNode>({
        method: 'PATCH',
        path: nodePath(name),
        patchType: 'json',
        body: [{ op: 'test', path: '/metadata/resourceVersion', value: rv }, ...plan.ops],
        signal: deps.signal,
      });
      return { node: patched, changed: true, attempts: attempt };
    } catch (e) {
      if (isKubeError(e, 'Conflict')) {
        /* someone else wrote first */
      } else if (isKubeError(e, 'Invalid')) {
        // Planned on a live view, a 422 may come from the view itself (e.g. a map it shows that is absent).
        if (!fromView) suspect = { rv, err: e };
      } else throw e;
      if (attempt >= max) {
        // A refused `test` is only a lost race if the node really moved on; a re-read tells.
        if (suspect && (await readNode(client, name, deps.signal)).metadata.resourceVersion === suspect.rv)
          throw suspect.err;
        throw new KubeError(
          'Conflict',
          `node "${name}" kept changing while we wrote it; gave up after ${max} attempts`,
          409,
        );
      }
      nodeWriteRetries.inc({ cluster: client.cluster });
      // A stale live view is not contention: re-read at once.
      if (fromView) continue;
      const cap = Math.min(deps.maxBackoffMs ?? 1000, (deps.baseBackoffMs ?? 25) * 2 ** (attempt - 1));
      await sleep(deps.clock, random() * cap, deps.signal);
    }
  }
}

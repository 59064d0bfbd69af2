/**
 * Which cached data a user may see on a cluster that acts as the signed-in user. The shared cache is read with
 * the product's identity, so before serving it the cluster is asked — with a SelfSubjectAccessReview sent as
 * the user (impersonated), which needs no permission beyond `impersonate` — whether that user may `list nodes`
 * (or `list pods`). Answers are remembered briefly per user and cluster, in a bounded map, so a page of the
 * console costs one review per cluster at most every `ttlMs`.
 */
import type { ActingIdentity } from '../auth/identity.js';
import type { KubeClient } from '../kube/client.js';
import { kubeErrorText } from '../kube/forbidden.js';

export type ReadResource = 'nodes' | 'pods' | 'events';

export interface ReadDecision {
  allowed: boolean;
  /** Why not, naming the cluster and what it refused (shown to the user). */
  reason?: string;
  /** The cluster could not be asked (not remembered: the next read asks again). */
  transient?: boolean;
}

export interface AccessReviewDeps {
  /** The cluster's client acting as `who`. */
  client(cluster: string, who: ActingIdentity): KubeClient;
  /** Whether the cluster acts as the signed-in user (only then is anything filtered). */
  impersonates(cluster: string): boolean;
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

const PATH = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';

interface Entry {
  at: number;
  decision: Promise<ReadDecision>;
}

export class AccessReviews {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(private readonly deps: AccessReviewDeps) {
    this.ttlMs = deps.ttlMs ?? 30_000;
    this.maxEntries = deps.maxEntries ?? 5000;
    this.now = deps.now ?? Date.now;
  }

  /** `list` on `resource` in `cluster` for `who`; always allowed where the cluster does not impersonate. */
  async mayList(
    who: ActingIdentity,
    cluster: string,
    resource: ReadResource = 'nodes',
  ): Promise<ReadDecision> {
    if (!this.deps.impersonates(cluster)) return { allowed: true };
    const key = JSON.stringify([cluster, resource, who.username, who.source, who.role, who.groups]);
    const now = this.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.decision;
    const decision = this.review(who, cluster, resource);
    this.entries.delete(key);
    this.entries.set(key, { at: now, decision });
    // Oldest first in insertion order: the bound drops the least recently asked.
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    // A failed review is not remembered: the next read asks again.
    decision.then(
      (d) => d.transient && this.entries.delete(key),
      () => this.entries.delete(key),
    );
    return decision;
  }

  /** Whether the cluster's own RBAC decides what users see there (it acts as the signed-in user). */
  applies(cluster: string): boolean {
    return this.deps.impersonates(cluster);
  }

  /** Of `clusters`, those `who` may not list nodes on, with the reason. */
  async denied(who: ActingIdentity, clusters: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    await Promise.all(
      clusters.map(async (c) => {
        const d = await this.mayList(who, c, 'nodes');
        if (!d.allowed) out.set(c, d.reason ?? `cluster "${c}" does not let you list nodes`);
      }),
    );
    return out;
  }

  /** Forgets every answer (e.g. after a cluster's option changed). */
  clear(): void {
    this.entries.clear();
  }

  private async review(who: ActingIdentity, cluster: string, resource: ReadResource): Promise<ReadDecision> {
    try {
      const r = await this.deps.client(cluster, who).request<{
        status?: { allowed?: boolean; reason?: string; evaluationError?: string };
      }>({
        method: 'POST',
        path: PATH,
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: { resourceAttributes: { verb: 'list', group: '', resource } },
        },
        maxBytes: 64 * 1024,
      });
      if (r?.status?.allowed === true) return { allowed: true };
      return {
        allowed: false,
        reason: `cluster "${cluster}" does not let ${who.username} list ${resource} (its own RBAC decides on this cluster)`,
      };
    } catch (e) {
      // Fail closed: data read with the product's identity is not shown when the cluster cannot be asked.
      return {
        allowed: false,
        transient: true,
        reason: `cluster "${cluster}" could not be asked whether ${who.username} may list ${resource}: ${kubeErrorText(e)}`,
      };
    }
  }
}

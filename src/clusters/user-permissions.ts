/**
 * The permission preflight for a person. On a cluster that acts as the signed-in user, the cluster's RBAC
 * decides each write as that user, so the matrix the console gates its buttons on is asked as that user too:
 * the same SelfSubjectAccessReviews, sent with the Impersonate-User/Group headers the writes carry. Answers are
 * remembered per cluster and identity for `ttlMs` (like the read reviews), in a bounded map; asking again
 * before then (`refresh`) is served from memory once the answer is younger than `minRefreshMs`, so a refresh
 * button cannot turn into a flood of reviews. Elsewhere the product's own identity decides and its matrix is
 * shared by everyone (PermissionCache).
 */
import type { ActingIdentity } from '../auth/identity.js';
import type { KubeClient } from '../kube/client.js';
import { checkPermissions, PermissionCache, type PermissionMatrix } from './permissions.js';

export interface UserPermissionDeps {
  /** The cluster's client acting as `who` (the product's own when the cluster does not impersonate). */
  client(cluster: string, who?: ActingIdentity): KubeClient;
  impersonates(cluster: string): boolean;
  /** The product's own matrices, shared with other callers (e.g. the one answered when a cluster is added). */
  shared?: PermissionCache;
  ttlMs?: number;
  minRefreshMs?: number;
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  at: number;
  matrix: Promise<PermissionMatrix>;
}

export class UserPermissions {
  private readonly entries = new Map<string, Entry>();
  private readonly shared: PermissionCache;
  private readonly ttlMs: number;
  private readonly minRefreshMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(private readonly deps: UserPermissionDeps) {
    this.ttlMs = deps.ttlMs ?? 30_000;
    this.minRefreshMs = deps.minRefreshMs ?? 2_000;
    this.maxEntries = deps.maxEntries ?? 2000;
    this.now = deps.now ?? Date.now;
    this.shared = deps.shared ?? new PermissionCache(60_000, this.now);
  }

  /** What `who` may do on `cluster`: as that user where the cluster impersonates, else as the product. */
  get(cluster: string, who: ActingIdentity, opts: { refresh?: boolean } = {}): Promise<PermissionMatrix> {
    if (!this.deps.impersonates(cluster)) return this.shared.get(this.deps.client(cluster), opts);
    const key = JSON.stringify([cluster, who.username, who.source, who.role, who.groups]);
    const now = this.now();
    const hit = this.entries.get(key);
    const age = hit ? now - hit.at : Infinity;
    if (hit && age < (opts.refresh ? this.minRefreshMs : this.ttlMs)) return hit.matrix;
    const client = this.deps.client(cluster, who);
    const matrix = checkPermissions(client).then((m) => ({ ...m, actingAs: who.username }));
    const entry = { at: now, matrix };
    this.entries.delete(key);
    this.entries.set(key, entry);
    // Insertion order is age order: the bound drops the oldest answer.
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    // A cluster that could not be asked is asked again next time.
    void matrix.then((m) => {
      if (!m.checked && this.entries.get(key) === entry) this.entries.delete(key);
    });
    return matrix;
  }

  /** Forgets every answer (a cluster's impersonation option changed). */
  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

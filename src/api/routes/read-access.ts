/**
 * The cluster's own RBAC in front of the shared cache (clusters that act as the signed-in user): a user the
 * cluster does not let `list nodes` sees none of its nodes — left out of the all-clusters list with the reason,
 * refused with the reason when asked for that cluster. Node pods and events need `list pods` / `list events`.
 */
import type { FastifyRequest } from 'fastify';
import { actingIdentity } from '../../auth/identity.js';
import type { AccessReviews, ReadResource } from '../../clusters/access-review.js';
import { ApiError } from '../../errors.js';

export interface ReadGate {
  /** Of `clusters`, those the caller may read, and why the others are hidden. */
  filter(
    req: FastifyRequest,
    clusters: string[],
  ): Promise<{ readable: string[]; hidden: Record<string, string> }>;
  /** 403 naming what the cluster refused, unless the caller may list `resource` there. */
  require(req: FastifyRequest, cluster: string, resource?: ReadResource): Promise<void>;
}

export function readGate(access: AccessReviews | undefined): ReadGate {
  return {
    async filter(req, clusters) {
      if (!access || !req.user) return { readable: clusters, hidden: {} };
      const denied = await access.denied(actingIdentity(req.user), clusters);
      return {
        readable: clusters.filter((c) => !denied.has(c)),
        hidden: Object.fromEntries(denied),
      };
    },
    async require(req, cluster, resource = 'nodes') {
      if (!access || !req.user) return;
      const d = await access.mayList(actingIdentity(req.user), cluster, resource);
      if (!d.allowed) throw new ApiError(403, 'ClusterRefused', d.reason ?? `cluster "${cluster}" refused`);
    },
  };
}

/** Adds `hiddenClusters` to a pre-serialised JSON object without parsing it. */
export function withHidden(json: Buffer, hidden: Record<string, string>): Buffer {
  if (Object.keys(hidden).length === 0) return json;
  return Buffer.concat([Buffer.from(`{"hiddenClusters":${JSON.stringify(hidden)},`), json.subarray(1)]);
}

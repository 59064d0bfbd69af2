// Node usage route (docs/API.md "Node usage"): the last hour of a node's CPU and memory use, from the usage
// poller's in-memory history, with the node's allocatable and its pods' requests. No Kubernetes call unless
// the cluster is degraded (then the node itself is read directly to confirm it exists).
import type { FastifyInstance } from 'fastify';
import { ClusterUnavailableError, type CacheManager } from '../../cache/manager.js';
import { ApiError, notFound } from '../../errors.js';
import { canSeeCluster } from '../../auth/identity.js';
import { allocatableOf } from '../../usage/shares.js';
import type { UsageStore } from '../../usage/store.js';
import type { NodeUsageHistory } from '../../usage/types.js';
import type { RoutePolicy } from '../policy.js';
import { nodeParams } from '../schemas.js';
import type { AccessReviews } from '../../clusters/access-review.js';
import { readGate } from './read-access.js';

const VIEWER_OF_CLUSTER: RoutePolicy = { role: 'viewer', clusterParam: 'cluster' };

export interface UsageRouteOptions {
  cache: CacheManager;
  usage: UsageStore;
  /** Every cluster that exists (the registry). */
  clusters: { list(): readonly { name: string }[] };
  intervalMs: number;
  /** Access reviews for clusters that act as the signed-in user: usage is shown to whoever may list nodes. */
  access?: AccessReviews;
}

export async function usageRoutes(
  app: FastifyInstance,
  { cache, usage, clusters, intervalMs, access }: UsageRouteOptions,
): Promise<void> {
  const gate = readGate(access);
  app.get<{ Params: { cluster: string; name: string } }>(
    '/api/v1/clusters/:cluster/nodes/:name/usage',
    { config: { policy: VIEWER_OF_CLUSTER }, schema: { params: nodeParams } },
    async (req): Promise<NodeUsageHistory> => {
      const { cluster, name } = req.params;
      if ((req.user && !canSeeCluster(req.user, cluster)) || !clusters.list().some((c) => c.name === cluster))
        throw notFound(`cluster "${cluster}" not found`);
      await gate.require(req, cluster);
      let node;
      try {
        node = await cache.getNode(cluster, name);
      } catch (e) {
        if (e instanceof ClusterUnavailableError)
          throw new ApiError(503, 'ClusterUnavailable', e.message, undefined, { clusters: e.reasons });
        throw e;
      }
      if (!node) throw notFound(`node "${name}" not found in cluster "${cluster}"`);
      return {
        cluster,
        name,
        intervalMs,
        usage: usage.status(cluster) ?? { available: null },
        allocatable: allocatableOf(node.node),
        requests: cache.nodeRequests(cluster, name),
        points: usage.points(cluster, name),
      };
    },
  );
}

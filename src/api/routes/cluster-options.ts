// Changing a saved cluster's options (docs/API.md "Clusters"): today whether it acts as the signed-in user.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AccessReviews } from '../../clusters/access-review.js';
import { clusterNotFound } from '../../clusters/errors.js';
import { toClusterInfo } from '../../clusters/info.js';
import type { ClusterRegistry } from '../../clusters/registry.js';
import type { ClusterStatusProvider } from '../../clusters/types.js';
import { canSeeCluster } from '../../auth/identity.js';
import { badRequest } from '../../errors.js';
import type { RoutePolicy } from '../policy.js';

const ADMIN_OF_CLUSTER: RoutePolicy = { role: 'admin', clusterParam: 'cluster' };

const optionsBody = z
  .object({ impersonate: z.boolean({ error: 'impersonate must be true or false' }).optional() })
  .strict();

export interface ClusterOptionRouteOptions {
  clusters: ClusterRegistry;
  clusterStatus: ClusterStatusProvider;
  /** Remembered access reviews are dropped when a cluster starts or stops acting as the user. */
  access?: AccessReviews;
}

export async function clusterOptionRoutes(
  app: FastifyInstance,
  { clusters, clusterStatus, access }: ClusterOptionRouteOptions,
): Promise<void> {
  app.patch<{ Params: { cluster: string } }>(
    '/api/v1/clusters/:cluster',
    { config: { policy: ADMIN_OF_CLUSTER } },
    async (req) => {
      const { cluster } = req.params;
      if (!clusters.get(cluster) || (req.user && !canSeeCluster(req.user, cluster)))
        throw clusterNotFound(cluster);
      const body = optionsBody.safeParse(req.body ?? {});
      if (!body.success) {
        const issue = body.error.issues[0]!;
        throw badRequest(
          issue.code === 'unrecognized_keys'
            ? `unknown field(s): ${issue.keys.join(', ')}; only impersonate can be changed`
            : issue.message,
          issue.path.join('.') || undefined,
        );
      }
      const record = await clusters.setOptions(cluster, body.data, req.user?.username ?? 'unknown');
      access?.clear();
      return toClusterInfo(record, clusterStatus, clusters.loadError(cluster));
    },
  );
}

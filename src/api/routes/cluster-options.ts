// Changing a saved cluster's options (docs/API.md "Clusters"): today whether it acts as the signed-in user.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AccessReviews } from '../../clusters/access-review.js';
import { clusterNotFound } from '../../clusters/errors.js';
import { toClusterInfo } from '../../clusters/info.js';
import type { ClusterRegistry } from '../../clusters/registry.js';
import type { ClusterStatusProvider } from '../../clusters/types.js';
import { canSeeCluster } from '../../auth/identity.js';
import type { RoutePolicy } from '../policy.js';
import { clusterParams } from '../schemas.js';

const ADMIN_OF_CLUSTER: RoutePolicy = { role: 'admin', clusterParam: 'cluster' };

const optionsBody = z
  .strictObject(
    { impersonate: z.boolean({ error: 'impersonate must be true or false' }).optional() },
    {
      error: (iss) =>
        iss.code === 'unrecognized_keys'
          ? `unknown field(s): ${iss.keys.join(', ')}; only impersonate can be changed`
          : undefined,
    },
  )
  .nullish()
  .transform((o) => o ?? {});

export interface ClusterOptionRouteOptions {
  clusters: ClusterRegistry;
  clusterStatus: ClusterStatusProvider;
  /** Remembered access reviews are dropped when a cluster starts or stops acting as the user. */
  access?: AccessReviews;
}

export async function clusterOptionRoutes(
  instance: FastifyInstance,
  { clusters, clusterStatus, access }: ClusterOptionRouteOptions,
): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  app.patch(
    '/api/v1/clusters/:cluster',
    { config: { policy: ADMIN_OF_CLUSTER }, schema: { params: clusterParams, body: optionsBody } },
    async (req) => {
      const { cluster } = req.params;
      if (!clusters.get(cluster) || (req.user && !canSeeCluster(req.user, cluster)))
        throw clusterNotFound(cluster);
      const record = await clusters.setOptions(cluster, req.body, req.user?.username ?? 'unknown');
      access?.clear();
      return toClusterInfo(record, clusterStatus, clusters.loadError(cluster));
    },
  );
}

/**
 * The fleet overview (docs/API.md "Fleet overview"): per visible cluster, node counts by status, cordoned and
 * under pressure, running jobs and the cluster's state — from the cache and the job store, no Kubernetes call.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccessReviews } from '../../clusters/access-review.js';
import { canSeeCluster } from '../../auth/identity.js';
import type { ClusterState } from '../../clusters/types.js';
import type { NodeRow } from '../../cache/types.js';
import { countNodes, runningJobsByCluster } from '../../overview/summary.js';
import type { ClusterOverview, FleetOverview } from '../../overview/types.js';
import type { RoutePolicy } from '../policy.js';
import { readGate } from './read-access.js';

const VIEWER: RoutePolicy = { role: 'viewer' };
/** Running jobs read per request; more than this in flight at once is far beyond any real fleet. */
const MAX_RUNNING_JOBS = 500;

export interface OverviewRouteOptions {
  cache: {
    rows(cluster: string): NodeRow[] | undefined;
    status(cluster: string): { state?: ClusterState; lastError?: string };
  };
  clusters: { list(): readonly { name: string }[] };
  jobs: {
    list(
      actor: { clusters: string[] | null },
      q: { limit?: number; status?: 'running' },
    ): Promise<{ items: { targets: { cluster: string }[] }[] }>;
  };
  access?: AccessReviews;
}

export async function overviewRoutes(
  app: FastifyInstance,
  { cache, clusters, jobs, access }: OverviewRouteOptions,
): Promise<void> {
  const gate = readGate(access);
  const visible = (req: FastifyRequest, name: string) => !req.user || canSeeCluster(req.user, name);

  app.get('/api/v1/overview', { config: { policy: VIEWER } }, async (req): Promise<FleetOverview> => {
    const names = clusters
      .list()
      .map((c) => c.name)
      .filter((n) => visible(req, n));
    const { readable, hidden } = await gate.filter(req, names);
    const running = runningJobsByCluster(
      (
        await jobs.list(
          { clusters: req.user?.clusters ?? null },
          { status: 'running', limit: MAX_RUNNING_JOBS },
        )
      ).items,
    );
    const out: ClusterOverview[] = readable.sort().map((cluster) => {
      const st = cache.status(cluster);
      const rows = cache.rows(cluster);
      const o: ClusterOverview = {
        cluster,
        state: st.state ?? 'stopped',
        runningJobs: running.get(cluster) ?? 0,
      };
      if (rows) o.nodes = countNodes(rows);
      if (st.lastError) o.lastError = st.lastError;
      return o;
    });
    return {
      clusters: out,
      ...(Object.keys(hidden).length ? { hiddenClusters: hidden } : {}),
      at: new Date().toISOString(),
    };
  });
}

/**
 * Node health history (docs/API.md "Node health history"): one node's timeline, and the fleet view (unhealthy
 * now, flapping, longest outages, MTTR and availability per cluster or per node pool). Reads the store and the
 * live cache only; never calls Kubernetes.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { canSeeCluster } from '../../auth/identity.js';
import type { NodeRow } from '../../cache/types.js';
import { badRequest, notFound } from '../../errors.js';
import { DAY_MS, fleetHealth, type NodeHealthService } from '../../health/index.js';
import { toInterval } from '../../health/history.js';
import type { FleetHealth, NodeTimeline } from '../../health/types.js';
import type { RoutePolicy } from '../policy.js';
import { nodeParams } from '../schemas.js';
import { reportedUnder } from '../validation.js';

const VIEWER: RoutePolicy = { role: 'viewer' };
const VIEWER_OF_CLUSTER: RoutePolicy = { role: 'viewer', clusterParam: 'cluster' };
/** Label key: optional DNS-subdomain prefix and a name (what Kubernetes accepts). */
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
/** The history kept is bounded by retention; a query reaches back at most this far. */
const MAX_PERIOD_DAYS = 366;

const isoTime = z
  .string()
  .max(64)
  .refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO-8601 date or time')
  .transform((s) => Date.parse(s));

const timelineQuery = z.object({
  days: z.coerce.number().int().min(1).max(MAX_PERIOD_DAYS).default(30),
});

const fleetQuery = z.object({
  from: isoTime.optional(),
  to: isoTime.optional(),
  /** Transitions in 24 h from which a node counts as flapping. */
  flapping: z.coerce.number().int().min(1).max(10_000).default(3),
  pool: z
    .string()
    .max(317)
    .refine((s) => LABEL_KEY.test(s), 'expected a label key such as node.kubernetes.io/instance-type')
    .optional(),
  /** Comma-separated cluster names; default every cluster the caller can see. */
  cluster: z.string().max(10_000).optional(),
});

export interface NodeHealthRouteOptions {
  health: NodeHealthService;
  /** Cached node rows per cluster (node counts and pool labels). */
  cache: { rows(cluster: string): NodeRow[] | undefined };
  clusters: { list(): readonly { name: string }[] };
}

export async function nodeHealthRoutes(
  app: FastifyInstance,
  { health, cache, clusters }: NodeHealthRouteOptions,
): Promise<void> {
  const known = () => new Set(clusters.list().map((r) => r.name));
  const visible = (req: FastifyRequest, name: string) => !req.user || canSeeCluster(req.user, name);

  const timeline = { params: nodeParams, querystring: reportedUnder('query', timelineQuery) };
  app.get<{ Params: { cluster: string; name: string }; Querystring: z.output<typeof timelineQuery> }>(
    '/api/v1/clusters/:cluster/nodes/:name/health',
    { config: { policy: VIEWER_OF_CLUSTER }, schema: timeline },
    async (req): Promise<NodeTimeline> => {
      const { cluster, name } = req.params;
      if (!visible(req, cluster) || !known().has(cluster)) throw notFound(`cluster "${cluster}" not found`);
      const { days } = req.query;
      const now = health.now();
      const fromMs = now - days * DAY_MS;
      const { rows, truncated } = await health.history.timeline(cluster, name, fromMs);
      return {
        cluster,
        node: name,
        from: new Date(fromMs).toISOString(),
        to: new Date(now).toISOString(),
        items: rows.map((r) => toInterval(r, now)),
        truncated,
      };
    },
  );

  const fleet = { querystring: reportedUnder('query', fleetQuery) };
  app.get<{ Querystring: z.output<typeof fleetQuery> }>(
    '/api/v1/health/fleet',
    { config: { policy: VIEWER }, schema: fleet },
    async (req): Promise<FleetHealth> => {
      const q = req.query;
      const now = health.now();
      const toMs = q.to ?? now;
      const fromMs = q.from ?? toMs - 7 * DAY_MS;
      if (fromMs >= toMs) throw badRequest('query.from must be before query.to', 'query.from');
      if (toMs - fromMs > MAX_PERIOD_DAYS * DAY_MS)
        throw badRequest(`the period may span at most ${MAX_PERIOD_DAYS} days`, 'query.from');
      const all = [...known()].filter((c) => visible(req, c));
      let chosen = all;
      if (q.cluster !== undefined) {
        chosen = q.cluster
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        for (const c of chosen) if (!all.includes(c)) throw notFound(`cluster "${c}" not found`);
      }
      return fleetHealth(
        { fromMs, toMs, flapThreshold: q.flapping, pool: q.pool },
        { history: health.history, clusters: chosen, rows: (c) => cache.rows(c), now },
      );
    },
  );
}

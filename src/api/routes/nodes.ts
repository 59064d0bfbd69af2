// Node read routes (docs/API.md "Nodes"): validate the query, ask the live cache, map its errors. Lists and
// details come from memory (0 Kubernetes calls) unless a cluster is degraded; a node's pods and events are
// read directly from the API server, as the resource strategy table prescribes.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { clusterParams, continueToken, nodeParams, pageLimitOr } from '../schemas.js';
import { ClusterUnavailableError, type CacheManager } from '../../cache/manager.js';
import { nodeQuerySchema } from '../../cache/query-parse.js';
import { documented, errors, nodeDetailResponse, nodeListResponse } from '../responses.js';
import { QueryError } from '../../cache/query.js';
import { isKubeError } from '../../kube/errors.js';
import { ApiError, badRequest, notFound } from '../../errors.js';
import { canSeeCluster } from '../../auth/identity.js';
import { type RoutePolicy } from '../policy.js';
import type { AccessReviews } from '../../clusters/access-review.js';
import { readGate, withHidden } from './read-access.js';

const VIEWER: RoutePolicy = { role: 'viewer' };
const VIEWER_OF_CLUSTER: RoutePolicy = { role: 'viewer', clusterParam: 'cluster' };

const podsQuery = z.object({
  limit: pageLimitOr(500, 100),
  continue: continueToken(4096, 'malformed continue token'),
});
const eventsQuery = z.object({ limit: pageLimitOr(500, 50) });

export interface NodeRouteOptions {
  cache: CacheManager;
  /** Every cluster that exists (the registry); defaults to the clusters the cache runs. */
  clusters?: { list(): readonly { name: string }[] };
  /** Access reviews for clusters that act as the signed-in user (read-access.ts). */
  access?: AccessReviews;
}

function clusterNotFound(name: string): ApiError {
  return notFound(`cluster "${name}" not found`);
}

/** Cache and Kubernetes failures → the API's error shape. */
function mapError(e: unknown): unknown {
  if (e instanceof QueryError) return badRequest(e.message, e.field);
  if (e instanceof ClusterUnavailableError) {
    return new ApiError(503, 'ClusterUnavailable', e.message, undefined, { clusters: e.reasons });
  }
  if (isKubeError(e, 'Gone'))
    return new ApiError(410, 'Expired', 'the continue token has expired; start again from the first page');
  return e;
}

async function guarded<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw mapError(e);
  }
}

export async function nodeRoutes(
  instance: FastifyInstance,
  { cache, clusters: registry, access }: NodeRouteOptions,
): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const gate = readGate(access);
  const known = () => new Set(registry ? registry.list().map((r) => r.name) : cache.clusters());
  const visible = (req: FastifyRequest, name: string) => !req.user || canSeeCluster(req.user, name);
  const requireCluster = (req: FastifyRequest, name: string) => {
    if (!visible(req, name) || !known().has(name)) throw clusterNotFound(name);
  };

  // The list is answered with pre-serialised JSON (rows are cached as JSON text, which is what makes a 5,000-row
  // list cheap): the response schema documents it, and the text is sent as it is, never serialised again.
  const list = {
    querystring: nodeQuerySchema,
    response: documented({ 200: nodeListResponse, ...errors, 503: errors[400] }),
  };
  app.get('/api/v1/nodes', { config: { policy: VIEWER }, schema: list }, (req, reply) =>
    guarded(async () => {
      const q = req.query;
      let clusters: string[];
      if (q.clusters) {
        for (const c of q.clusters) requireCluster(req, c);
        clusters = q.clusters;
      } else {
        clusters = [...known()].filter((c) => visible(req, c));
      }
      const { readable, hidden } = await gate.filter(req, clusters);
      if (q.clusters && readable.length < clusters.length) await gate.require(req, Object.keys(hidden)[0]!);
      if (readable.length === 0) {
        const empty = {
          items: [],
          total: 0,
          source: 'cache',
          degraded: false,
          clusters: {},
          podCountSource: {},
        };
        return Object.keys(hidden).length ? { ...empty, hiddenClusters: hidden } : empty;
      }
      return reply
        .type('application/json; charset=utf-8')
        .send(withHidden(await cache.queryJson(q, readable), hidden));
    }),
  );

  app.get(
    '/api/v1/clusters/:cluster/nodes',
    { config: { policy: VIEWER_OF_CLUSTER }, schema: { params: clusterParams, ...list } },
    (req, reply) =>
      guarded(async () => {
        requireCluster(req, req.params.cluster);
        await gate.require(req, req.params.cluster);
        const q = req.query;
        if (q.clusters) throw badRequest('"cluster" is given by the path here', 'cluster');
        // Pre-serialised: rows are cached as JSON text, which is what makes a 5,000-row list cheap.
        return reply
          .type('application/json; charset=utf-8')
          .send(await cache.queryJson(q, [req.params.cluster]));
      }),
  );

  app.get(
    '/api/v1/clusters/:cluster/nodes/:name',
    {
      config: { policy: VIEWER_OF_CLUSTER },
      schema: { params: nodeParams, response: documented({ 200: nodeDetailResponse, ...errors }) },
    },
    (req) =>
      guarded(async () => {
        requireCluster(req, req.params.cluster);
        await gate.require(req, req.params.cluster);
        const r = await cache.getNode(req.params.cluster, req.params.name);
        if (!r) throw notFound(`node "${req.params.name}" not found in cluster "${req.params.cluster}"`);
        // NodeDetail itself (what clients expect), plus where it came from.
        return { ...r.node, source: r.source, degraded: r.degraded };
      }),
  );

  app.get(
    '/api/v1/clusters/:cluster/nodes/:name/pods',
    { config: { policy: VIEWER_OF_CLUSTER }, schema: { params: nodeParams, querystring: podsQuery } },
    (req) =>
      guarded(async () => {
        requireCluster(req, req.params.cluster);
        await gate.require(req, req.params.cluster, 'pods');
        const { limit, continue: cont } = req.query;
        return cache.nodePods(req.params.cluster, req.params.name, { limit, continue: cont || undefined });
      }),
  );

  app.get(
    '/api/v1/clusters/:cluster/nodes/:name/events',
    { config: { policy: VIEWER_OF_CLUSTER }, schema: { params: nodeParams, querystring: eventsQuery } },
    (req) =>
      guarded(async () => {
        requireCluster(req, req.params.cluster);
        await gate.require(req, req.params.cluster, 'events');
        return cache.nodeEvents(req.params.cluster, req.params.name, { limit: req.query.limit });
      }),
  );
}

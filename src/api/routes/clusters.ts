// Cluster registration over HTTP (docs/API.md "Clusters"): validate the body, call the registry, answer
// ClusterInfo. Credentials are accepted here and never returned; errors come from the registry as ApiError.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { toClusterInfo } from '../../clusters/info.js';
import { clusterNotFound } from '../../clusters/errors.js';
import { PermissionCache } from '../../clusters/permissions.js';
import { UserPermissions } from '../../clusters/user-permissions.js';
import { listContexts, parseKubeconfigText } from '../../clusters/kubeconfig.js';
import { withoutUserinfo, type ClusterRegistry } from '../../clusters/registry.js';
import type {
  ClusterInput,
  ClusterRecord,
  ClusterStatusProvider,
  ClusterTestInput,
} from '../../clusters/types.js';
import { actingIdentity, canSeeCluster } from '../../auth/identity.js';
import { type RoutePolicy } from '../policy.js';
import { clusterListResponse, documented, errors } from '../responses.js';

const VIEWER: RoutePolicy = { role: 'viewer' };
const VIEWER_OF_CLUSTER: RoutePolicy = { role: 'viewer', clusterParam: 'cluster' };
const ADMIN: RoutePolicy = { role: 'admin' };
const ADMIN_OF_CLUSTER: RoutePolicy = { role: 'admin', clusterParam: 'cluster' };

/** Name format is checked by the registry (distinct InvalidName error); here only its type. */
const name = z
  .string({ error: (i) => (i.input === undefined ? 'a cluster name is required' : undefined) })
  .max(253);
const optionalContext = z
  .string()
  .max(253)
  .optional()
  .transform((v) => (v && v.trim() ? v.trim() : undefined));
const podIndex = z.boolean().optional();
const impersonate = z.boolean().optional();

const sources = <N extends z.ZodType>(nameSchema: N) =>
  z.discriminatedUnion(
    'source',
    [
      z.object({
        source: z.literal('kubeconfig'),
        name: nameSchema,
        kubeconfig: z
          .string({ error: (i) => (i.input === undefined ? 'paste a kubeconfig' : undefined) })
          .min(1, 'paste a kubeconfig'),
        context: optionalContext,
        podIndex,
        impersonate,
      }),
      z.object({
        source: z.literal('server-context'),
        name: nameSchema,
        context: z
          .string({ error: (i) => (i.input === undefined ? 'choose a context' : undefined) })
          .trim()
          .min(1, 'choose a context')
          .max(253),
        podIndex,
        impersonate,
      }),
      z.object({ source: z.literal('in-cluster'), name: nameSchema, podIndex, impersonate }),
    ],
    {
      error: (issue) =>
        issue.code === 'invalid_union'
          ? 'source must be one of: kubeconfig, server-context, in-cluster'
          : undefined,
    },
  );

export const addClusterBody = sources(name);
export const testClusterBody = sources(name.optional());
const addQuery = z.object({ dryRun: z.enum(['true', 'false']).optional() });
const clusterParams = z.object({ cluster: z.string() });
const refreshQuery = z.object({ refresh: z.enum(['true', 'false']).optional() });
const contextsBody = z.object({
  kubeconfig: z.string({ error: (i) => (i.input === undefined ? 'paste a kubeconfig' : undefined) }),
});

const actor = (req: FastifyRequest) => req.user?.username ?? 'unknown';
const visible = (req: FastifyRequest, cluster: string) => !req.user || canSeeCluster(req.user, cluster);

export interface ClusterRouteOptions {
  clusters: ClusterRegistry;
  /** Live fields of ClusterInfo (the node cache). */
  clusterStatus: ClusterStatusProvider;
}

export async function clusterRoutes(
  instance: FastifyInstance,
  { clusters, clusterStatus }: ClusterRouteOptions,
): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const info = (r: ClusterRecord) => toClusterInfo(r, clusterStatus, clusters.loadError(r.name));
  const permissions = new PermissionCache();
  const userPermissions = new UserPermissions({
    client: (c, who) => clusters.client(c, who),
    impersonates: (c) => clusters.impersonates(c),
    shared: permissions,
  });

  const listSchema = { response: documented({ 200: clusterListResponse, ...errors }) };
  app.get('/api/v1/clusters', { config: { policy: VIEWER }, schema: listSchema }, async (req) => ({
    items: clusters
      .list()
      .filter((r) => visible(req, r.name))
      .map(info),
  }));

  const addSchema = { querystring: addQuery, body: addClusterBody };
  app.post('/api/v1/clusters', { config: { policy: ADMIN }, schema: addSchema }, async (req, reply) => {
    const { dryRun } = req.query;
    const input = req.body as ClusterInput;
    if (dryRun === 'true') {
      // Everything an add would check, without saving: the name too.
      await clusters.checkNewName(input.name);
      return clusters.test(input);
    }
    const record = await clusters.add(input, actor(req));
    // The cluster as it was when added; the preflight's round trips must not change the snapshot.
    const added = info(record);
    const matrix = await permissions.get(clusters.client(record.name));
    return reply.status(201).send({ ...added, permissions: matrix });
  });

  app.post(
    '/api/v1/clusters/test',
    { config: { policy: ADMIN }, schema: { body: testClusterBody } },
    async (req) => clusters.test(req.body as ClusterTestInput),
  );

  const params = { params: clusterParams };
  app.get(
    '/api/v1/clusters/:cluster',
    { config: { policy: VIEWER_OF_CLUSTER }, schema: params },
    async (req) => {
      const { cluster } = req.params;
      const record = clusters.get(cluster);
      if (!record || !visible(req, cluster)) throw clusterNotFound(cluster);
      return info(record);
    },
  );

  // The permission preflight of a saved cluster, for the caller: asked as them where the cluster acts as the
  // signed-in user (remembered 30 s per user), else the product's own (remembered a minute). ?refresh=true
  // asks again.
  const permissionsSchema = { params: clusterParams, querystring: refreshQuery };
  app.get(
    '/api/v1/clusters/:cluster/permissions',
    { config: { policy: VIEWER_OF_CLUSTER }, schema: permissionsSchema },
    async (req) => {
      const { cluster } = req.params;
      const { refresh } = req.query;
      if (!clusters.get(cluster) || !visible(req, cluster)) throw clusterNotFound(cluster);
      const opts = { refresh: refresh === 'true' };
      if (!req.user) return permissions.get(clusters.client(cluster), opts);
      return userPermissions.get(cluster, actingIdentity(req.user), opts);
    },
  );

  app.delete(
    '/api/v1/clusters/:cluster',
    { config: { policy: ADMIN_OF_CLUSTER }, schema: params },
    async (req, reply) => {
      const { cluster } = req.params;
      if (!visible(req, cluster)) throw clusterNotFound(cluster);
      await clusters.remove(cluster, actor(req));
      return reply.status(204).send();
    },
  );

  app.get('/api/v1/kubeconfig/contexts', { config: { policy: ADMIN } }, async () =>
    clusters.serverContexts(),
  );

  app.post(
    '/api/v1/kubeconfig/contexts',
    { config: { policy: ADMIN }, schema: { body: contextsBody } },
    async (req) => {
      const kc = parseKubeconfigText(req.body.kubeconfig);
      return { items: withoutUserinfo(listContexts(kc)), current: kc.getCurrentContext() || null };
    },
  );
}

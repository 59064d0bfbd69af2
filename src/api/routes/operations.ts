/**
 * Single-node operations over HTTP (docs/API.md "Operations"): validate → record the intent → call the
 * operation service → complete the audit entry → answer `{node, changed}`. Refusals are audited too. A real drain is handed to the job runner (202 with the job); only the dry run answers inline.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuditOutcome } from '../../audit/log.js';
import {
  checkDisableEviction,
  cordonRequestSchema,
  drainRequestSchema,
  emptyParamsSchema,
  labelsIntentSchema,
  orEmpty,
  recordIntent,
  taintsIntentSchema,
  validateNodeName,
  type Actor,
  type NodeWriteAnswer,
  type OperationsServices,
} from '../../operations/index.js';
import { ApiError, toApiError } from '../../errors.js';
import type { RoutePolicy } from '../policy.js';
import { bodyChecked, refusalAudited } from '../validation.js';

const OPERATOR_OF_CLUSTER: RoutePolicy = { role: 'operator', clusterParam: 'cluster' };
/** The handler writes a richer audit entry itself (per-node outcome). */
const config = { policy: OPERATOR_OF_CLUSTER, audit: false };

type NodeParams = { Params: { cluster: string; name: string } };
/**
 * The target of a write. Its name is checked by the handler, not here: a refused write is audited as such, and a
 * schema refusal would leave no audit entry. For the same reason a body that fails its schema reaches the
 * handler (refusalAudited), which records the refusal before answering it.
 */
const writeParams = z.object({ cluster: z.string(), name: z.string() });
const write = <B extends z.ZodType>(body: B) => ({
  config,
  schema: { params: writeParams, body },
  ...refusalAudited,
});
const cordonBody = orEmpty(cordonRequestSchema);
const uncordonBody = orEmpty(emptyParamsSchema);
const drainBody = orEmpty(drainRequestSchema);

export function actorOf(req: FastifyRequest): Actor {
  const u = req.user;
  if (!u) throw new ApiError(401, 'Unauthorized', 'sign in first');
  return {
    username: u.username,
    role: u.role,
    clusters: u.clusters,
    canOverrideGuard: u.canOverrideGuard,
    canOverrideSystemLabels: u.canOverrideSystemLabels,
    canDisableEviction: u.canDisableEviction === true,
    source: u.source ?? 'local',
    groups: u.groups ?? [],
  };
}

export const outcomeFor = (
  e: unknown,
): { outcome: Extract<AuditOutcome, 'failure' | 'denied'>; status: number } => {
  const api = toApiError(e);
  const status = api?.status ?? 500;
  return { outcome: status === 403 || api?.code === 'GuardRefused' ? 'denied' : 'failure', status };
};

/** Options of the operation, job and template route groups. */
export interface OperationRouteOptions {
  operations: OperationsServices;
}

export async function operationRoutes(
  instance: FastifyInstance,
  { operations }: OperationRouteOptions,
): Promise<void> {
  /**
   * One single-node write, audited before it acts: the request is validated (a refusal is recorded as such),
   * then its intent — actor, target and the complete parsed change — is stored, and only then is anything
   * sent to the cluster; the entry is completed with the result. No intent stored, nothing sent: 503.
   */
  async function audited<P>(
    req: FastifyRequest & { params: NodeParams['Params'] },
    action: string,
    parse: () => P,
    run: (p: P) => Promise<NodeWriteAnswer>,
  ): Promise<NodeWriteAnswer> {
    const { cluster, name } = req.params;
    const sink = operations.audit;
    const base = {
      user: req.user?.username ?? null,
      ip: req.ip,
      requestId: String(req.id),
      action,
      cluster,
      nodes: [name],
    };
    let p: P;
    try {
      validateNodeName(name, 'name');
      p = parse();
    } catch (e) {
      try {
        await sink?.record({
          ...base,
          params: req.body ?? {},
          ...outcomeFor(e),
          message: (e as Error).message,
          results: [{ cluster, name, outcome: 'failed', message: (e as Error).message }],
        });
      } catch (err) {
        req.log.error({ err, action }, 'audit record failed');
      }
      throw e;
    }
    const intent = await recordIntent(sink, { ...base, params: p }, req.log);
    try {
      const r = await run(p);
      await intent.complete({
        outcome: 'success',
        status: 200,
        results: [{ cluster, name, outcome: r.changed ? 'ok' : 'unchanged' }],
      });
      return r;
    } catch (e) {
      await intent.complete({
        ...outcomeFor(e),
        message: (e as Error).message,
        results: [{ cluster, name, outcome: 'failed', message: (e as Error).message }],
      });
      throw e;
    }
  }

  const app = instance.withTypeProvider<ZodTypeProvider>();

  app.post('/api/v1/clusters/:cluster/nodes/:name/cordon', write(cordonBody), async (req) =>
    audited(
      req,
      'node.cordon',
      () => bodyChecked(req),
      ({ override, ...p }) =>
        operations.ops.cordon(actorOf(req), req.params.cluster, req.params.name, p, { override }),
    ),
  );

  app.post('/api/v1/clusters/:cluster/nodes/:name/uncordon', write(uncordonBody), async (req) =>
    audited(
      req,
      'node.uncordon',
      () => bodyChecked(req),
      () => operations.ops.uncordon(actorOf(req), req.params.cluster, req.params.name),
    ),
  );

  app.patch('/api/v1/clusters/:cluster/nodes/:name/labels', write(labelsIntentSchema), async (req) =>
    audited(
      req,
      'node.labels',
      () => bodyChecked(req),
      (intent) => operations.ops.labels(actorOf(req), req.params.cluster, req.params.name, intent),
    ),
  );

  app.patch('/api/v1/clusters/:cluster/nodes/:name/taints', write(taintsIntentSchema), async (req) =>
    audited(
      req,
      'node.taints',
      () => bodyChecked(req),
      (intent) => operations.ops.taints(actorOf(req), req.params.cluster, req.params.name, intent),
    ),
  );

  app.post('/api/v1/clusters/:cluster/nodes/:name/drain', write(drainBody), async (req, reply) => {
    const { ops, jobs } = operations;
    const { cluster, name } = req.params;
    let drain;
    try {
      validateNodeName(name, 'name');
      drain = bodyChecked(req);
    } catch (e) {
      // A refused preview changed nothing and is not recorded; a refused drain is.
      const raw: unknown = req.body;
      const preview =
        raw !== null && typeof raw === 'object' && (raw as { dryRun?: unknown }).dryRun === true;
      if (!preview) {
        await operations.audit?.record({
          user: req.user?.username ?? null,
          ip: req.ip,
          requestId: String(req.id),
          action: 'node.drain',
          cluster,
          nodes: [name],
          params: raw ?? {},
          ...outcomeFor(e),
          message: (e as Error).message,
        });
      }
      throw e;
    }
    const { dryRun, override, options: opts } = drain;
    // A preview changes nothing: no audit entry, no job. Deleting instead of evicting is refused to a user
    // without the grant here too, so nobody plans a drain they may not run.
    if (dryRun) {
      const actor = actorOf(req);
      checkDisableEviction(actor, opts);
      return ops.previewDrain(cluster, name, opts, undefined, actor);
    }
    const job = await jobs.submit(
      actorOf(req),
      { operation: 'drain', targets: [{ cluster, nodes: [name] }], params: opts, override },
      { ip: req.ip, requestId: String(req.id), action: 'node.drain' },
    );
    return reply.code(202).send({ job });
  });
}

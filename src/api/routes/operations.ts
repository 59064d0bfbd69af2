/**
 * Single-node operations over HTTP (docs/API.md "Operations"): validate → record the intent → call the
 * operation service → complete the audit entry → answer `{node, changed}`. Refusals are audited too. A real drain is handed to the job runner (202 with the job); only the dry run answers inline.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AuditOutcome } from '../../audit/log.js';
import {
  asObject,
  checkDisableEviction,
  parseCordonParams,
  parseDrainOptions,
  parseEmptyParams,
  parseLabelsIntent,
  parseTaintsIntent,
  readBool,
  recordIntent,
  validateNodeName,
  type Actor,
  type NodeWriteAnswer,
  type OperationsServices,
} from '../../operations/index.js';
import { ApiError, toApiError } from '../../errors.js';
import type { RoutePolicy } from '../policy.js';

const OPERATOR_OF_CLUSTER: RoutePolicy = { role: 'operator', clusterParam: 'cluster' };
/** The handler writes a richer audit entry itself (per-node outcome). */
const config = { policy: OPERATOR_OF_CLUSTER, audit: false };

type NodeParams = { Params: { cluster: string; name: string } };
/**
 * The target of a write. Its name is checked by the handler, not here: a refused write is audited as such, and a
 * schema refusal would leave no audit entry.
 */
const writeParams = z.object({ cluster: z.string(), name: z.string() });
const opts = { config, schema: { params: writeParams } };

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
  app: FastifyInstance,
  { operations }: OperationRouteOptions,
): Promise<void> {
  /**
   * One single-node write, audited before it acts: the request is validated (a refusal is recorded as such),
   * then its intent — actor, target and the complete parsed change — is stored, and only then is anything
   * sent to the cluster; the entry is completed with the result. No intent stored, nothing sent: 503.
   */
  async function audited<P>(
    req: FastifyRequest<NodeParams>,
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

  app.post<NodeParams>('/api/v1/clusters/:cluster/nodes/:name/cordon', opts, async (req) => {
    const body = req.body === undefined || req.body === null ? {} : req.body;
    return audited(
      req,
      'node.cordon',
      () => ({
        ...parseCordonParams(body, '', ['override']),
        override: readBool(asObject(body, ''), 'override'),
      }),
      ({ override, ...p }) =>
        operations.ops.cordon(actorOf(req), req.params.cluster, req.params.name, p, { override }),
    );
  });

  app.post<NodeParams>('/api/v1/clusters/:cluster/nodes/:name/uncordon', opts, async (req) =>
    audited(
      req,
      'node.uncordon',
      () => parseEmptyParams(req.body),
      () => operations.ops.uncordon(actorOf(req), req.params.cluster, req.params.name),
    ),
  );

  app.patch<NodeParams>('/api/v1/clusters/:cluster/nodes/:name/labels', opts, async (req) =>
    audited(
      req,
      'node.labels',
      () => parseLabelsIntent(req.body),
      (intent) => operations.ops.labels(actorOf(req), req.params.cluster, req.params.name, intent),
    ),
  );

  app.patch<NodeParams>('/api/v1/clusters/:cluster/nodes/:name/taints', opts, async (req) =>
    audited(
      req,
      'node.taints',
      () => parseTaintsIntent(req.body),
      (intent) => operations.ops.taints(actorOf(req), req.params.cluster, req.params.name, intent),
    ),
  );

  app.post<NodeParams>('/api/v1/clusters/:cluster/nodes/:name/drain', opts, async (req, reply) => {
    const { ops, jobs } = operations;
    const { cluster, name } = req.params;
    const body = req.body === undefined || req.body === null ? {} : req.body;
    let dryRun = false;
    let override = false;
    let opts;
    try {
      validateNodeName(name, 'name');
      const o = asObject(body, '');
      dryRun = readBool(o, 'dryRun');
      override = readBool(o, 'override');
      opts = parseDrainOptions(body, '', ['dryRun', 'override']);
    } catch (e) {
      if (!dryRun) {
        await operations.audit?.record({
          user: req.user?.username ?? null,
          ip: req.ip,
          requestId: String(req.id),
          action: 'node.drain',
          cluster,
          nodes: [name],
          params: body,
          ...outcomeFor(e),
          message: (e as Error).message,
        });
      }
      throw e;
    }
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

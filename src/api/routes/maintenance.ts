/**
 * Rolling maintenance over HTTP (docs/API.md "Maintenance"): dry run or start a plan, list and read plans, and
 * the operator's controls. Validation, cluster access, auditing and the plan's course are the maintenance
 * service's (src/operations/maintenance).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { maintenanceRequestSchema } from '../../operations/maintenance/request.js';
import type { MaintenanceService } from '../../operations/maintenance/service.js';
import type { RoutePolicy } from '../policy.js';
import { continueToken, idParams, noBody, pageLimit } from '../schemas.js';
import { checkedOnly, paramsChecked, refusalAudited } from '../validation.js';
import { actorOf } from './operations.js';

const VIEWER: RoutePolicy = { role: 'viewer' };
/** The service writes richer audit entries itself (the plan, each step, each control). */
const OPERATOR = { policy: { role: 'operator' } as RoutePolicy, audit: false };

export interface MaintenanceRouteOptions {
  maintenance: MaintenanceService;
}

/** The service parses the body again and records a refusal, so a body failing the schema is handed on as it came. */
const createBody = checkedOnly(maintenanceRequestSchema);
const listQuery = z.object({ limit: pageLimit(500), continue: continueToken(500) });
const control = { config: OPERATOR, schema: { params: idParams, body: noBody } };
const nodeDoneParams = z.object({
  id: idParams.shape.id,
  cluster: z.string().max(253),
  name: z.string().max(253),
});

const requestOf = (req: FastifyRequest) => ({ ip: req.ip, requestId: String(req.id) });

export async function maintenanceRoutes(
  instance: FastifyInstance,
  { maintenance }: MaintenanceRouteOptions,
): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const create = { config: OPERATOR, schema: { body: createBody }, ...refusalAudited };
  app.post('/api/v1/maintenance', create, async (req, reply) => {
    paramsChecked(req);
    const r = await maintenance.create(actorOf(req), req.body, requestOf(req));
    if ('preview' in r) return r.preview;
    return reply.code(202).send({ maintenance: r.job });
  });

  app.get(
    '/api/v1/maintenance',
    { config: { policy: VIEWER }, schema: { querystring: listQuery } },
    async (req) => {
      const { limit, continue: cont } = req.query;
      const page = await maintenance.list(actorOf(req), { limit, cursor: cont });
      return { items: page.items, ...(page.nextCursor ? { continue: page.nextCursor } : {}) };
    },
  );

  app.get(
    '/api/v1/maintenance/:id',
    { config: { policy: VIEWER }, schema: { params: idParams } },
    async (req) => ({
      maintenance: await maintenance.get(actorOf(req), req.params.id),
    }),
  );

  app.post('/api/v1/maintenance/:id/pause', control, async (req, reply) =>
    reply
      .code(202)
      .send({ maintenance: await maintenance.pause(actorOf(req), req.params.id, requestOf(req)) }),
  );

  app.post('/api/v1/maintenance/:id/resume', control, async (req, reply) =>
    reply
      .code(202)
      .send({ maintenance: await maintenance.resume(actorOf(req), req.params.id, requestOf(req)) }),
  );

  app.post('/api/v1/maintenance/:id/abort', control, async (req, reply) =>
    reply
      .code(202)
      .send({ maintenance: await maintenance.abort(actorOf(req), req.params.id, requestOf(req)) }),
  );

  app.post(
    '/api/v1/maintenance/:id/nodes/:cluster/:name/done',
    { config: OPERATOR, schema: { params: nodeDoneParams, body: noBody } },
    async (req, reply) => {
      const { id, cluster, name } = req.params;
      const job = await maintenance.markDone(actorOf(req), id, cluster, name, requestOf(req));
      return reply.code(202).send({ maintenance: job });
    },
  );
}

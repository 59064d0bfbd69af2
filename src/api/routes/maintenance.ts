/**
 * Rolling maintenance over HTTP (docs/API.md "Maintenance"): dry run or start a plan, list and read plans, and
 * the operator's controls. Validation, cluster access, auditing and the plan's course are the maintenance
 * service's (src/operations/maintenance).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest } from '../../errors.js';
import type { MaintenanceService } from '../../operations/maintenance/service.js';
import type { RoutePolicy } from '../policy.js';
import { actorOf } from './operations.js';

const VIEWER: RoutePolicy = { role: 'viewer' };
/** The service writes richer audit entries itself (the plan, each step, each control). */
const OPERATOR = { policy: { role: 'operator' } as RoutePolicy, audit: false };

export interface MaintenanceRouteOptions {
  maintenance: MaintenanceService;
}

type IdParams = { Params: { id: string } };

const requestOf = (req: FastifyRequest) => ({ ip: req.ip, requestId: String(req.id) });

export async function maintenanceRoutes(
  app: FastifyInstance,
  { maintenance }: MaintenanceRouteOptions,
): Promise<void> {
  app.post('/api/v1/maintenance', { config: OPERATOR }, async (req, reply) => {
    const r = await maintenance.create(actorOf(req), req.body, requestOf(req));
    if ('preview' in r) return r.preview;
    return reply.code(202).send({ maintenance: r.job });
  });

  app.get<{ Querystring: { limit?: string; continue?: string } }>(
    '/api/v1/maintenance',
    { config: { policy: VIEWER } },
    async (req) => {
      let limit: number | undefined;
      if (req.query.limit !== undefined) {
        limit = Number(req.query.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 500)
          throw badRequest('limit must be a whole number from 1 to 500', 'limit');
      }
      const cont = req.query.continue;
      if (cont !== undefined && cont.length > 500)
        throw badRequest('continue is not a token this server issued', 'continue');
      const page = await maintenance.list(actorOf(req), { limit, cursor: cont });
      return { items: page.items, ...(page.nextCursor ? { continue: page.nextCursor } : {}) };
    },
  );

  app.get<IdParams>('/api/v1/maintenance/:id', { config: { policy: VIEWER } }, async (req) => ({
    maintenance: await maintenance.get(actorOf(req), req.params.id),
  }));

  app.post<IdParams>('/api/v1/maintenance/:id/pause', { config: OPERATOR }, async (req, reply) =>
    reply
      .code(202)
      .send({ maintenance: await maintenance.pause(actorOf(req), req.params.id, requestOf(req)) }),
  );

  app.post<IdParams>('/api/v1/maintenance/:id/resume', { config: OPERATOR }, async (req, reply) =>
    reply
      .code(202)
      .send({ maintenance: await maintenance.resume(actorOf(req), req.params.id, requestOf(req)) }),
  );

  app.post<IdParams>('/api/v1/maintenance/:id/abort', { config: OPERATOR }, async (req, reply) =>
    reply
      .code(202)
      .send({ maintenance: await maintenance.abort(actorOf(req), req.params.id, requestOf(req)) }),
  );

  app.post<{ Params: { id: string; cluster: string; name: string } }>(
    '/api/v1/maintenance/:id/nodes/:cluster/:name/done',
    { config: OPERATOR },
    async (req, reply) => {
      const { id, cluster, name } = req.params;
      const job = await maintenance.markDone(actorOf(req), id, cluster, name, requestOf(req));
      return reply.code(202).send({ maintenance: job });
    },
  );
}

/**
 * Batch jobs over HTTP (docs/API.md "Operations"): submit (202 with the job), list, read, cancel. Cluster
 * access for the clusters a body names, validation, the guard and auditing are the job runner's.
 */
import type { FastifyInstance } from 'fastify';
import { JOB_OPERATIONS, JOB_STATUSES, type JobOperation, type JobStatus } from '../../operations/index.js';
import { badRequest } from '../../errors.js';
import type { RoutePolicy } from '../policy.js';
import { actorOf, type OperationRouteOptions } from './operations.js';

const VIEWER: RoutePolicy = { role: 'viewer' };
const OPERATOR: RoutePolicy = { role: 'operator' };

export async function jobRoutes(app: FastifyInstance, { operations }: OperationRouteOptions): Promise<void> {
  app.post('/api/v1/jobs', { config: { policy: OPERATOR, audit: false } }, async (req, reply) => {
    const job = await operations.jobs.submit(actorOf(req), req.body, {
      ip: req.ip,
      requestId: String(req.id),
      action: 'job.create',
    });
    return reply.code(202).send({ job });
  });

  app.get<{ Querystring: { limit?: string; continue?: string; status?: string; operation?: string } }>(
    '/api/v1/jobs',
    { config: { policy: VIEWER } },
    async (req) => {
      const q = req.query;
      let limit: number | undefined;
      if (q.limit !== undefined) {
        limit = Number(q.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 500)
          throw badRequest('limit must be a whole number from 1 to 500', 'limit');
      }
      if (q.status !== undefined && !(JOB_STATUSES as readonly string[]).includes(q.status)) {
        throw badRequest(`status must be one of ${JOB_STATUSES.join(', ')}`, 'status');
      }
      if (q.operation !== undefined && !(JOB_OPERATIONS as readonly string[]).includes(q.operation)) {
        throw badRequest(`operation must be one of ${JOB_OPERATIONS.join(', ')}`, 'operation');
      }
      const cont = q.continue;
      if (cont !== undefined && cont.length > 500)
        throw badRequest('continue is not a token this server issued', 'continue');
      const page = await operations.jobs.list(actorOf(req), {
        limit,
        cursor: cont,
        status: q.status as JobStatus | undefined,
        operation: q.operation as JobOperation | undefined,
      });
      return { items: page.items, ...(page.nextCursor ? { continue: page.nextCursor } : {}) };
    },
  );

  app.get<{ Params: { id: string } }>('/api/v1/jobs/:id', { config: { policy: VIEWER } }, async (req) => ({
    job: await operations.jobs.get(actorOf(req), req.params.id),
  }));

  app.post<{ Params: { id: string } }>(
    '/api/v1/jobs/:id/cancel',
    { config: { policy: OPERATOR, audit: false } },
    async (req, reply) => {
      const job = await operations.jobs.cancel(actorOf(req), req.params.id, {
        ip: req.ip,
        requestId: String(req.id),
      });
      return reply.code(202).send({ job });
    },
  );
}

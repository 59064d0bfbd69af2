/**
 * Batch jobs over HTTP (docs/API.md "Operations"): submit (202 with the job), list, read, cancel. Cluster
 * access for the clusters a body names, validation, the guard and auditing are the job runner's.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { JOB_OPERATIONS, JOB_STATUSES } from '../../operations/index.js';
import type { RoutePolicy } from '../policy.js';
import { jobRequestSchema } from '../../operations/job-schemas.js';
import { continueToken, idParams, noBody, pageLimit } from '../schemas.js';
import { checkedOnly, paramsChecked, refusalAudited } from '../validation.js';
import { documented, errors, jobPageResponse, jobResponse } from '../responses.js';

const oneJob = documented({ 200: jobResponse, 202: jobResponse, ...errors, 409: errors[400] });
import { actorOf, type OperationRouteOptions } from './operations.js';

const VIEWER: RoutePolicy = { role: 'viewer' };
const OPERATOR: RoutePolicy = { role: 'operator' };

const listQuery = z.object({
  limit: pageLimit(500),
  continue: continueToken(500),
  status: z.enum(JOB_STATUSES).optional(),
  operation: z.enum(JOB_OPERATIONS).optional(),
});

export async function jobRoutes(
  instance: FastifyInstance,
  { operations }: OperationRouteOptions,
): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  // The job runner parses the body again with the same rules and records a refusal in the audit log, so a
  // body failing its schema is handed on as it came (checkedOnly, refusalAudited).
  const submitSchema = { body: checkedOnly(jobRequestSchema), response: oneJob };
  const submit = { config: { policy: OPERATOR, audit: false }, schema: submitSchema, ...refusalAudited };
  app.post('/api/v1/jobs', submit, async (req, reply) => {
    paramsChecked(req);
    const job = await operations.jobs.submit(actorOf(req), req.body, {
      ip: req.ip,
      requestId: String(req.id),
      action: 'job.create',
    });
    return reply.code(202).send({ job });
  });

  app.get(
    '/api/v1/jobs',
    {
      config: { policy: VIEWER },
      schema: { querystring: listQuery, response: documented({ 200: jobPageResponse, ...errors }) },
    },
    async (req) => {
      const { limit, continue: cursor, status, operation } = req.query;
      const page = await operations.jobs.list(actorOf(req), { limit, cursor, status, operation });
      return { items: page.items, ...(page.nextCursor ? { continue: page.nextCursor } : {}) };
    },
  );

  app.get(
    '/api/v1/jobs/:id',
    { config: { policy: VIEWER }, schema: { params: idParams, response: oneJob } },
    async (req) => ({
      job: await operations.jobs.get(actorOf(req), req.params.id),
    }),
  );

  app.post(
    '/api/v1/jobs/:id/cancel',
    {
      config: { policy: OPERATOR, audit: false },
      schema: { params: idParams, body: noBody, response: oneJob },
    },
    async (req, reply) => {
      const job = await operations.jobs.cancel(actorOf(req), req.params.id, {
        ip: req.ip,
        requestId: String(req.id),
      });
      return reply.code(202).send({ job });
    },
  );
}

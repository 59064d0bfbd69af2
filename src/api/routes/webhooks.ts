/**
 * Outgoing webhooks (admins): /api/v1/webhooks. Endpoints, their recent deliveries, and a test message.
 * Rules and the audit of changes live in src/notify/admin.ts; answers never contain a URL's path or a secret.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { webhookCreateSchema, webhookUpdateSchema, type WebhookAdmin, type Who } from '../../notify/admin.js';
import { idParams, noBody } from '../schemas.js';
import { checkedOnly, paramsChecked, refusalAudited } from '../validation.js';

const admin = { policy: { role: 'admin' as const } };
// The handler writes its own entry: the generic one would keep the body's URL, which may carry a token.
const adminSelfAudited = { policy: { role: 'admin' as const }, audit: false };

type IdParams = { Params: { id: string } };
const byId = { params: idParams };
/** The service parses a body again (and records a refusal): a body failing its schema is handed on. */
const create = {
  config: adminSelfAudited,
  schema: { body: checkedOnly(webhookCreateSchema) },
  ...refusalAudited,
};
const update = {
  config: adminSelfAudited,
  schema: { params: idParams, body: checkedOnly(webhookUpdateSchema) },
  ...refusalAudited,
};

export interface WebhookRouteOptions {
  webhooks: WebhookAdmin;
}

function who(req: FastifyRequest): Who {
  return { username: req.user!.username, ip: req.ip, requestId: String(req.id) };
}

export async function webhookRoutes(app: FastifyInstance, { webhooks }: WebhookRouteOptions): Promise<void> {
  app.get('/api/v1/webhooks', { config: admin }, async () => webhooks.list());

  app.get<IdParams>('/api/v1/webhooks/:id', { config: admin, schema: byId }, async (req) =>
    webhooks.get(req.params.id),
  );

  app.post('/api/v1/webhooks', create, async (req, reply) => {
    paramsChecked(req);
    return reply.code(201).send({ webhook: await webhooks.create(req.body, who(req)) });
  });

  app.patch<IdParams>('/api/v1/webhooks/:id', update, async (req) => {
    paramsChecked(req);
    return { webhook: await webhooks.update(req.params.id, req.body, who(req)) };
  });

  app.delete<IdParams>(
    '/api/v1/webhooks/:id',
    { config: adminSelfAudited, schema: byId },
    async (req, reply) => {
      await webhooks.remove(req.params.id, who(req));
      return reply.code(204).send();
    },
  );

  const testSchema = { params: idParams, body: noBody };
  app.post<IdParams>(
    '/api/v1/webhooks/:id/test',
    { config: adminSelfAudited, schema: testSchema },
    async (req, reply) => reply.code(202).send({ delivery: await webhooks.test(req.params.id, who(req)) }),
  );
}

/**
 * Label/taint templates over HTTP: CRUD (audited by the generic mutation hook under `template.*`) and apply,
 * which starts a batch job (audited by the job runner as `template.apply`).
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app.js';
import { checkSystemLabels, parseTemplateInput } from '../../operations/index.js';
import type { RoutePolicy } from '../policy.js';
import { actorOf, operationsOf } from './operations.js';

const VIEWER: RoutePolicy = { role: 'viewer' };
const OPERATOR: RoutePolicy = { role: 'operator' };

type IdParams = { Params: { id: string } };

export function templateRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/api/v1/templates', { config: { policy: VIEWER } }, async () => ({
    items: await operationsOf(ctx).templates.list(),
  }));

  app.get<IdParams>('/api/v1/templates/:id', { config: { policy: VIEWER } }, async (req) => ({
    template: await operationsOf(ctx).templates.get(req.params.id),
  }));

  app.post(
    '/api/v1/templates',
    { config: { policy: OPERATOR, auditAction: 'template.create' } },
    async (req, reply) => {
      const input = parseTemplateInput(req.body);
      const actor = actorOf(req);
      if (input.labels) checkSystemLabels(actor, input.labels, input.labels.allowSystem ?? false);
      const template = await operationsOf(ctx).templates.create(input, actor.username);
      return reply.code(201).send({ template });
    },
  );

  app.put<IdParams>(
    '/api/v1/templates/:id',
    { config: { policy: OPERATOR, auditAction: 'template.update' } },
    async (req) => {
      const input = parseTemplateInput(req.body);
      const actor = actorOf(req);
      if (input.labels) checkSystemLabels(actor, input.labels, input.labels.allowSystem ?? false);
      return { template: await operationsOf(ctx).templates.replace(req.params.id, input, actor.username) };
    },
  );

  app.delete<IdParams>(
    '/api/v1/templates/:id',
    { config: { policy: OPERATOR, auditAction: 'template.delete' } },
    async (req, reply) => {
      await operationsOf(ctx).templates.remove(req.params.id);
      return reply.code(204).send();
    },
  );

  app.post<IdParams>(
    '/api/v1/templates/:id/apply',
    { config: { policy: OPERATOR, audit: false } },
    async (req, reply) => {
      // The body is {targets, concurrency?, override?}; the job runner validates it (and audits refusals).
      const b = req.body;
      const extra =
        b !== null && typeof b === 'object' && !Array.isArray(b) ? (b as Record<string, unknown>) : {};
      const job = await operationsOf(ctx).jobs.submit(
        actorOf(req),
        { ...extra, operation: 'template', params: { templateId: req.params.id } },
        { ip: req.ip, requestId: String(req.id), action: 'template.apply' },
      );
      return reply.code(202).send({ job });
    },
  );
}

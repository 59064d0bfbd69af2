/**
 * Label/taint templates over HTTP: CRUD (audited by the generic mutation hook under `template.*`), a preview
 * of what applying would change on each node, and apply, which starts a batch job (audited by the job runner
 * as `template.apply`). Templates have an owner and a cluster scope (templates.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../schemas.js';
import { forbidden } from '../../errors.js';
import {
  checkSystemLabels,
  checkTemplateScope,
  checkTemplateTarget,
  previewTemplate,
} from '../../operations/index.js';
import { jobRequestSchema, jobTargetsSchema } from '../../operations/job-schemas.js';
import { templateInputSchema } from '../../operations/template-input.js';
import { strictShape } from '../../operations/validation.js';
import { checkedOnly, paramsChecked, refusalAudited } from '../validation.js';
import type { RoutePolicy } from '../policy.js';
import { actorOf, type OperationRouteOptions } from './operations.js';

const VIEWER: RoutePolicy = { role: 'viewer' };
const OPERATOR: RoutePolicy = { role: 'operator' };

const previewBody = strictShape({ targets: jobTargetsSchema });
/** Applying is a job of operation `template`: the job request's targets, concurrency and override. */
const applyBody = checkedOnly(
  z.strictObject({
    targets: jobTargetsSchema,
    concurrency: jobRequestSchema.in.shape.concurrency,
    override: jobRequestSchema.in.shape.override,
  }),
);

export async function templateRoutes(
  instance: FastifyInstance,
  { operations }: OperationRouteOptions,
): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  // Listed and read by users who may act on at least one cluster a template reaches.
  app.get('/api/v1/templates', { config: { policy: VIEWER } }, async (req) => ({
    items: await operations.templates.list(actorOf(req)),
  }));

  app.get(
    '/api/v1/templates/:id',
    { config: { policy: VIEWER }, schema: { params: idParams } },
    async (req) => ({
      template: await operations.templates.getFor(actorOf(req), req.params.id),
    }),
  );

  app.post(
    '/api/v1/templates',
    { config: { policy: OPERATOR, auditAction: 'template.create' }, schema: { body: templateInputSchema } },
    async (req, reply) => {
      const input = req.body;
      const actor = actorOf(req);
      checkTemplateScope(actor, input.clusters ?? null, 'cannot create this template');
      if (input.labels) checkSystemLabels(actor, input.labels, input.labels.allowSystem ?? false);
      const template = await operations.templates.create(input, actor.username);
      return reply.code(201).send({ template });
    },
  );

  // Editing or deleting a template changes what it does on every cluster it reaches: only a user who may
  // act on all of them may (before and after the edit).
  app.put(
    '/api/v1/templates/:id',
    {
      config: { policy: OPERATOR, auditAction: 'template.update' },
      schema: { params: idParams, body: templateInputSchema },
    },
    async (req) => {
      const input = req.body;
      const actor = actorOf(req);
      const { templates } = operations;
      const current = await templates.getFor(actor, req.params.id);
      checkTemplateScope(actor, current.clusters, `cannot edit template "${current.name}"`);
      checkTemplateScope(actor, input.clusters ?? null, `cannot edit template "${current.name}"`);
      if (input.labels) checkSystemLabels(actor, input.labels, input.labels.allowSystem ?? false);
      return { template: await templates.replace(req.params.id, input, actor.username) };
    },
  );

  app.delete(
    '/api/v1/templates/:id',
    { config: { policy: OPERATOR, auditAction: 'template.delete' }, schema: { params: idParams } },
    async (req, reply) => {
      const actor = actorOf(req);
      const { templates } = operations;
      const current = await templates.getFor(actor, req.params.id);
      checkTemplateScope(actor, current.clusters, `cannot delete template "${current.name}"`);
      await templates.remove(req.params.id);
      return reply.code(204).send();
    },
  );

  // What applying would change on each node, read fresh; changes nothing (so no audit entry).
  app.post(
    '/api/v1/templates/:id/preview',
    { config: { policy: OPERATOR, audit: false }, schema: { params: idParams, body: previewBody } },
    async (req) => {
      const actor = actorOf(req);
      const { ops, templates } = operations;
      const { targets } = req.body;
      const template = await templates.getFor(actor, req.params.id);
      for (const [i, t] of targets.entries()) {
        if (actor.clusters !== null && !actor.clusters.includes(t.cluster))
          throw forbidden(`you have no access to cluster "${t.cluster}"`);
        checkTemplateTarget(template, t.cluster, `targets[${i}].cluster`);
        ops.client(t.cluster);
      }
      return previewTemplate(ops, template, targets, undefined, actor);
    },
  );

  app.post(
    '/api/v1/templates/:id/apply',
    {
      config: { policy: OPERATOR, audit: false },
      schema: { params: idParams, body: applyBody },
      ...refusalAudited,
    },
    async (req, reply) => {
      // The job runner validates the body again (and audits a refusal), so it is handed on as it came.
      paramsChecked(req);
      const b: unknown = req.body;
      const extra =
        b !== null && typeof b === 'object' && !Array.isArray(b) ? (b as Record<string, unknown>) : {};
      const job = await operations.jobs.submit(
        actorOf(req),
        { ...extra, operation: 'template', params: { templateId: req.params.id } },
        { ip: req.ip, requestId: String(req.id), action: 'template.apply' },
      );
      return reply.code(202).send({ job });
    },
  );
}

/**
 * Reading the audit log: GET /api/v1/audit. There is no route that changes or deletes entries, by design.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AUDIT_MAX_LIMIT, AUDIT_OUTCOMES, type AuditOutcome } from '../../audit/log.js';
import type { Security } from '../../auth/context.js';
import { reportedUnder } from '../validation.js';
import { auditPageResponse, documented, errors } from '../responses.js';

const isoDate = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO-8601 date or time')
  .transform((s) => new Date(s));

// Its clients have always read refusals as `query.<field>`.
const querySchema = reportedUnder(
  'query',
  z.object({
    user: z.string().max(200).optional(),
    cluster: z.string().max(253).optional(),
    node: z.string().max(253).optional(),
    operation: z.string().max(200).optional(),
    outcome: z.enum(AUDIT_OUTCOMES as [AuditOutcome, ...AuditOutcome[]]).optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    limit: z.coerce.number().int().min(1).max(AUDIT_MAX_LIMIT).optional(),
    cursor: z.string().max(1000).optional(),
  }),
);

export async function auditRoutes(
  instance: FastifyInstance,
  { security }: { security: Security },
): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const { audit } = security;
  const schema = { querystring: querySchema, response: documented({ 200: auditPageResponse, ...errors }) };
  app.get('/api/v1/audit', { config: { policy: { role: 'viewer' } }, schema }, async (req) => {
    const filters = req.query;
    const user = req.user!;
    return audit.list(filters, { username: user.username, clusters: user.clusters });
  });
}

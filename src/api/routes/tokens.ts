/**
 * API tokens: /api/v1/tokens. Everyone manages their own; an admin sees and revokes all. The secret is in the
 * creation answer only.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { idParams } from '../schemas.js';
import { forbidden } from '../../errors.js';
import type { Security } from '../../auth/context.js';
import { requestMeta } from './auth.js';
import { newTokenSchema } from '../../auth/tokens.js';
import { checkedOnly, paramsChecked, refusalAudited } from '../validation.js';

// The service parses the body again and records a refusal in the audit log: a body failing its schema is handed on.
const create = {
  config: { policy: { role: 'viewer' as const }, audit: false },
  schema: { body: checkedOnly(newTokenSchema) },
  ...refusalAudited,
};

export async function tokenRoutes(
  instance: FastifyInstance,
  { security }: { security: Security },
): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const { auth } = security;

  app.get('/api/v1/tokens', { config: { policy: { role: 'viewer' } } }, async (req) => {
    const user = req.user!;
    return { items: await auth.tokens.list(user.role === 'admin' ? null : user.id) };
  });

  app.post('/api/v1/tokens', create, async (req, reply) => {
    paramsChecked(req);
    const user = req.user!;
    if (user.via !== 'session') {
      // Otherwise a short-lived token could mint a never-expiring one.
      throw forbidden('API tokens can only be created from a signed-in session');
    }
    const r = await auth.createToken(user, req.body, requestMeta(req));
    return reply.code(201).send(r);
  });

  app.delete(
    '/api/v1/tokens/:id',
    { config: { policy: { role: 'viewer' }, audit: false }, schema: { params: idParams } },
    async (req, reply) => {
      await auth.revokeToken(req.user!, req.params.id, requestMeta(req));
      return reply.code(204).send();
    },
  );
}

/**
 * User management (admin): /api/v1/users. Decisions (validation, last-admin rule, session revocation) live in
 * src/auth.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { idParams } from '../schemas.js';
import type { Security } from '../../auth/context.js';
import { newUserSchema, userPatchSchema } from '../../auth/users.js';
import { checkedOnly, paramsChecked, refusalAudited } from '../validation.js';
import { documented, errors, userListResponse, userResponse } from '../responses.js';

const oneUser = documented({ 200: userResponse, 201: userResponse, ...errors, 409: errors[400] });
import { requestMeta } from './auth.js';

const admin = { policy: { role: 'admin' as const } };
const adminSelfAudited = { policy: { role: 'admin' as const }, audit: false };
// The service parses a body again and records a refusal in the audit log: a body failing its schema is handed on.
const createUser = {
  config: adminSelfAudited,
  schema: { body: checkedOnly(newUserSchema), response: oneUser },
  ...refusalAudited,
};
const updateUser = {
  config: adminSelfAudited,
  schema: { params: idParams, body: checkedOnly(userPatchSchema), response: oneUser },
  ...refusalAudited,
};

export async function userRoutes(
  instance: FastifyInstance,
  { security }: { security: Security },
): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const { auth } = security;

  app.get(
    '/api/v1/users',
    { config: admin, schema: { response: documented({ 200: userListResponse, ...errors }) } },
    async () => ({ items: await auth.users.list() }),
  );

  app.get(
    '/api/v1/users/:id',
    { config: admin, schema: { params: idParams, response: oneUser } },
    async (req) => ({
      user: await auth.users.get(req.params.id),
    }),
  );

  app.post('/api/v1/users', createUser, async (req, reply) => {
    paramsChecked(req);
    const user = await auth.createUser(req.body, requestMeta(req));
    return reply.code(201).send({ user });
  });

  app.patch('/api/v1/users/:id', updateUser, async (req) => {
    paramsChecked(req);
    return { user: await auth.updateUser(req.params.id, req.body, requestMeta(req)) };
  });

  app.delete(
    '/api/v1/users/:id',
    { config: adminSelfAudited, schema: { params: idParams } },
    async (req, reply) => {
      await auth.removeUser(req.params.id, requestMeta(req));
      return reply.code(204).send();
    },
  );
}

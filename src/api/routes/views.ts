/**
 * Saved views of the Nodes page: /api/v1/views. Every signed-in user keeps their own and only ever sees or
 * changes their own. A view is a personal preference, not a change to a cluster or an account, so it is not
 * written to the audit log.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../schemas.js';
import type { SavedViewStore } from '../../saved-views/store.js';
import { SAVED_VIEW_LIMITS as L } from '../../saved-views/types.js';

const OWN = { policy: { role: 'viewer' as const }, audit: false };

/** The console's query parameter names: short camel-case words. */
const QUERY_KEY = /^[a-zA-Z][a-zA-Z0-9]*$/;
const COLUMN_ID = /^[a-zA-Z][a-zA-Z0-9]*$/;

const viewBody = z.object({
  name: z
    .string({ error: (i) => (i.input === undefined ? 'a name is required' : undefined) })
    .trim()
    .min(1, 'must not be empty')
    .max(L.nameLength, `must be at most ${L.nameLength} characters`),
  query: z
    .record(
      z
        .string()
        .max(L.queryKeyLength, `parameter names are at most ${L.queryKeyLength} characters`)
        .regex(QUERY_KEY, 'parameter names are letters and digits'),
      z.string().max(L.queryValueLength, `values are at most ${L.queryValueLength} characters`),
    )
    .refine((q) => Object.keys(q).length <= L.queryKeys, `at most ${L.queryKeys} parameters`),
  columns: z
    .array(
      z
        .string()
        .max(L.columnIdLength, `column ids are at most ${L.columnIdLength} characters`)
        .regex(COLUMN_ID, 'column ids are letters and digits'),
    )
    .max(L.columns, `at most ${L.columns} columns`)
    .nullable()
    .optional(),
});

export async function viewRoutes(
  instance: FastifyInstance,
  { views }: { views: SavedViewStore },
): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>();

  app.get('/api/v1/views', { config: OWN }, async (req) => ({ items: await views.list(req.user!.id) }));

  app.post('/api/v1/views', { config: OWN, schema: { body: viewBody } }, async (req, reply) =>
    reply.code(201).send({ view: await views.create(req.user!.id, req.body) }),
  );

  app.put(
    '/api/v1/views/:id',
    { config: OWN, schema: { params: idParams, body: viewBody } },
    async (req) => ({ view: await views.replace(req.user!.id, req.params.id, req.body) }),
  );

  app.delete('/api/v1/views/:id', { config: OWN, schema: { params: idParams } }, async (req, reply) => {
    await views.remove(req.user!.id, req.params.id);
    return reply.code(204).send();
  });
}

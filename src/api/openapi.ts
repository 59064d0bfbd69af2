/**
 * The OpenAPI 3.1 document of the HTTP API, built from the routes themselves (their zod schemas, through
 * fastify-type-provider-zod's transform), served at /api/v1/openapi.json, with a browsable reference page at
 * /api/v1/docs (Swagger UI's files from the @fastify/swagger-ui package, served here: nothing is loaded from
 * elsewhere, and the page runs under the same content security policy as the console).
 * docs/API.md is tested against the document, so the two cannot drift.
 */
import swagger from '@fastify/swagger';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import type { RoutePolicy } from './policy.js';

export const OPENAPI_PATH = '/api/v1/openapi.json';
export const DOCS_PREFIX = '/api/v1/docs';
/** The API's description is for its users: anyone signed in, as for every other read. */
const DOCS_POLICY: RoutePolicy = { role: 'viewer' };

/** Collects every route registered after it into the document; call before any route exists. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Kube Node Manager',
        version: '1',
        description:
          'Errors always have the shape {"error": {"code", "message", "field"?, "details"?}}. Authentication: ' +
          'the session cookie (with X-CSRF-Token on changes) or an API token as a bearer token.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'knm_session' },
          token: { type: 'http', scheme: 'bearer' },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
}

/** The reference page's files: Swagger UI's, as its package ships them, and the page's own start script. */
const UI_DIR = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@fastify/swagger-ui')),
  'static',
);
const UI_FILES: Record<string, { type: string; from?: string; text?: string }> = {
  'swagger-ui.css': { type: 'text/css; charset=utf-8', from: 'swagger-ui.css' },
  'swagger-ui-bundle.js': { type: 'text/javascript; charset=utf-8', from: 'swagger-ui-bundle.js' },
  // A file, not an inline script: the content security policy allows scripts from this server only.
  'start.js': {
    type: 'text/javascript; charset=utf-8',
    text: `window.onload = function () {
  window.ui = SwaggerUIBundle({ url: '${OPENAPI_PATH}', dom_id: '#api', deepLinking: true, validatorUrl: null });
};
`,
  },
};

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Kube Node Manager API</title>
<link rel="stylesheet" href="${DOCS_PREFIX}/swagger-ui.css"></head>
<body><div id="api"></div>
<script src="${DOCS_PREFIX}/swagger-ui-bundle.js"></script>
<script src="${DOCS_PREFIX}/start.js"></script>
</body></html>
`;

const fileParams = z.object({ file: z.enum(Object.keys(UI_FILES) as [string, ...string[]]) });

/** The document and the reference page (a route group; registerOpenApi must have run on the root instance). */
export async function docsRoutes(app: FastifyInstance): Promise<void> {
  const config = { policy: DOCS_POLICY };
  app.get(OPENAPI_PATH, { config, schema: { hide: true } }, async () => app.swagger());
  app.get(DOCS_PREFIX, { config, schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/html; charset=utf-8').send(PAGE),
  );
  const loaded = new Map<string, Buffer>();
  app.get(
    `${DOCS_PREFIX}/:file`,
    { config, schema: { hide: true, params: fileParams } },
    async (req, reply) => {
      const { file } = req.params as z.infer<typeof fileParams>;
      const f = UI_FILES[file]!;
      let body = loaded.get(file);
      if (!body) {
        body = f.from ? await fs.readFile(path.join(UI_DIR, f.from)) : Buffer.from(f.text ?? '');
        loaded.set(file, body);
      }
      return reply.type(f.type).send(body);
    },
  );
}

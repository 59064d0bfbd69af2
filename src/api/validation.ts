/**
 * Request validation in one style: a route's `schema` holds zod schemas (params, querystring, body), checked
 * before its handler runs. A failure is the ZodError itself, which the error handler answers as 400 BadRequest
 * naming the offending field. Responses are not checked against their schemas: those document the API (the
 * OpenAPI document), and a reply is sent as the handler made it, never stripped of fields a schema lacks.
 */
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';
import { ZodType, type z } from 'zod';

const prefixes = new WeakMap<z.ZodType, string>();

/**
 * Fields of this schema are reported as `<prefix>.<field>` (`query.limit`), for routes whose clients have always
 * read them that way.
 */
export function reportedUnder<S extends z.ZodType>(prefix: string, schema: S): S {
  prefixes.set(schema, prefix);
  return schema;
}

const zodValidator: FastifySchemaCompiler<unknown> = ({ schema, method, url, httpPart }) => {
  if (!(schema instanceof ZodType)) {
    throw new Error(`${method} ${url}: the ${httpPart ?? ''} schema must be a zod schema`);
  }
  return (data) => {
    const r = schema.safeParse(data);
    if (r.success) return { value: r.data };
    const prefix = prefixes.get(schema);
    // This parse's own error: its issues may be renamed in place.
    if (prefix) for (const issue of r.error.issues) (issue as { path: PropertyKey[] }).path.unshift(prefix);
    return { error: r.error };
  };
};

/** Routes of this instance validate requests with their zod schemas and serialise replies as they are. */
export function useZodSchemas(app: FastifyInstance): void {
  app.setValidatorCompiler(zodValidator);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
}

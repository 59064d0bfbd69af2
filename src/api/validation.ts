/**
 * Request validation in one style: a route's `schema` holds zod schemas (params, querystring, body), checked
 * before its handler runs. A failure is answered as 400 BadRequest naming the offending field the way the API
 * always has (`add[0].effect`, `query.limit`). Responses are not checked against their schemas: those document
 * the API (the OpenAPI document), and a reply is sent as the handler made it, never stripped of fields a schema
 * lacks — and a pre-serialised JSON string (the node list) is sent as it is, not serialised again.
 */
import type { FastifyInstance, FastifyRequest, FastifySchemaCompiler } from 'fastify';
import { ZodType, type z } from 'zod';
import { ApiError } from '../errors.js';
import { fieldOf } from '../operations/validation.js';

const prefixes = new WeakMap<z.ZodType, string>();

/**
 * Fields of this schema are reported as `<prefix>.<field>` (`query.limit`), for routes whose clients have always
 * read them that way.
 */
export function reportedUnder<S extends z.ZodType>(prefix: string, schema: S): S {
  prefixes.set(schema, prefix);
  return schema;
}

/** A failed parse as the API's 400: the first problem's field and message, every problem in `details`. */
export function validationError(error: z.ZodError, base = ''): ApiError {
  const issues = error.issues.map((i) => ({ field: fieldOf(i, base), message: i.message }));
  const first = issues[0] ?? { field: '', message: 'invalid request' };
  return new ApiError(
    400,
    'BadRequest',
    first.field ? `${first.field}: ${first.message}` : first.message,
    first.field || undefined,
    issues.length > 1 ? { issues } : undefined,
  );
}

const checkOnly = new WeakSet<z.ZodType>();

/**
 * The request part is checked against this schema (and documented by it) but handed to the handler as it came:
 * for a service that parses the same input itself, with the same schema or its own, so it never sees it twice
 * transformed. It marks the schema object itself: a schema a route should receive parsed is not passed here.
 */
export function checkedOnly<S extends z.ZodType>(schema: S): S {
  checkOnly.add(schema);
  return schema;
}

const zodValidator: FastifySchemaCompiler<unknown> = ({ schema, method, url, httpPart }) => {
  if (!(schema instanceof ZodType)) {
    throw new Error(`${method} ${url}: the ${httpPart ?? ''} schema must be a zod schema`);
  }
  return (data) => {
    const r = schema.safeParse(data);
    // Without `value` the part stays as it came (see checkedOnly).
    if (r.success) return checkOnly.has(schema) ? {} : { value: r.data };
    return { error: validationError(r.error, prefixes.get(schema)) };
  };
};

/** Routes of this instance validate requests with their zod schemas and serialise replies as they are. */
export function useZodSchemas(app: FastifyInstance): void {
  app.setValidatorCompiler(zodValidator);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
}

/**
 * Route option for requests whose refusal must be recorded by the part that decides it (a node write, a job, a
 * user change: their audit entries say who was refused and why). The body schema is still checked — and
 * documented — here, but its failure reaches the handler, which calls `bodyChecked` where it would have parsed.
 * A failure of any other part (params, query) is answered at once, as on every route.
 */
export const refusalAudited = { attachValidation: true } as const;

/** The request's body as its schema made it; its validation error is thrown (for `refusalAudited` routes). */
export function bodyChecked<B>(req: FastifyRequest & { body: B }): B {
  const e = req.validationError as (Error & { validationContext?: string }) | undefined;
  if (e) throw e;
  return req.body;
}

/** A failure of a part other than the body, answered before the handler does anything (refusalAudited routes). */
export function paramsChecked(req: FastifyRequest): void {
  const e = req.validationError as (Error & { validationContext?: string }) | undefined;
  if (e && e.validationContext !== 'body') throw e;
}

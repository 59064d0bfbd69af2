/**
 * Request-shape validation for the account routes: zod schemas in, 400 with the offending field out.
 */
import type { z } from 'zod';
import { badRequest } from '../errors.js';

export function parse<S extends z.ZodTypeAny>(schema: S, value: unknown, prefix = ''): z.output<S> {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  // Messages describe the rule, never echo the value: a mistyped password must not come back in an error.
  throw badRequest(field ? `${field}: ${issue.message}` : issue.message, field || undefined);
}

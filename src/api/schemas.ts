/**
 * Request pieces several route groups share: path parameters and paging. Routes put them in their `schema`, so
 * they are checked before a handler runs (validation.ts) and described in the OpenAPI document.
 */
import { z } from 'zod';

/** A Kubernetes node name (DNS subdomain). */
const NODE_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export const idParams = z.object({ id: z.string().max(200) });
export const clusterParams = z.object({ cluster: z.string().max(253) });
export const nodeParams = z.object({
  cluster: z.string().max(253),
  name: z.string().max(253, 'is not a valid node name').regex(NODE_NAME, 'is not a valid node name'),
});

/**
 * A page size in a query string: a whole number from 1 to `max`, or left out (or empty). The value stays text in
 * the document, as it is on the wire.
 */
export function pageLimit(max: number) {
  const msg = `must be a whole number from 1 to ${max}`;
  return z
    .string()
    .max(12, msg)
    .regex(/^\d*$/, msg)
    .refine((s) => s === '' || (Number(s) >= 1 && Number(s) <= max), msg)
    .optional()
    .transform((s) => (s === undefined || s === '' ? undefined : Number(s)));
}

/** A page size as pageLimit, `fallback` when left out. */
export const pageLimitOr = (max: number, fallback: number) => pageLimit(max).transform((n) => n ?? fallback);

/** A paging token this server issued, handed back as it was. */
export const continueToken = (max: number, message = 'is not a token this server issued') =>
  z.string().max(max, message).optional();

/** A request that takes no body: nothing, or an empty object. */
export const noBody = z.strictObject({}).nullish();

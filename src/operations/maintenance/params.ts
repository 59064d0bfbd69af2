/**
 * A maintenance plan's parameters as a schema: checked from a request (the body of POST /maintenance, or a job's
 * `params`), and again from the stored job when a plan is resumed (what was stored is what was validated, so it
 * parses the same).
 */
import { z } from 'zod';
import { drainOptionsSchema, flag, orEmpty, strictShape, wholeNumber } from '../validation.js';
import { HOLD_MODES, MAINTENANCE_ORDERS, type MaintenanceHold, type MaintenanceParams } from './types.js';

const MAX_GATE_TIMEOUT_S = 7 * 24 * 3600;
const MAX_HOLD_S = 7 * 24 * 3600;
export const DEFAULT_GATE_TIMEOUT_S = 600;

const MAX_UNAVAILABLE_ERROR =
  'maxUnavailable must be a whole number of nodes (1 or more) or a percentage such as "25%"';

const maxUnavailable = z
  .union(
    [
      z.number().int().min(1).max(10_000),
      z
        .string()
        .trim()
        .regex(/^([1-9][0-9]?|100)%$/),
      z.null(),
    ],
    { error: MAX_UNAVAILABLE_ERROR },
  )
  .optional()
  .transform((v) => v ?? 1);

const hold = strictShape({
  mode: z.enum(HOLD_MODES, { error: `hold.mode must be one of ${HOLD_MODES.join(', ')}` }),
  seconds: z
    .number({ error: `seconds must be a whole number from 1 to ${MAX_HOLD_S}` })
    .int({ error: `seconds must be a whole number from 1 to ${MAX_HOLD_S}` })
    .min(1, { error: `seconds must be a whole number from 1 to ${MAX_HOLD_S}` })
    .max(MAX_HOLD_S, { error: `seconds must be a whole number from 1 to ${MAX_HOLD_S}` })
    .nullish(),
})
  .superRefine(
    (h, ctx) => {
      if (h.mode === 'duration' && h.seconds == null)
        ctx.addIssue({ code: 'custom', path: ['seconds'], message: 'a duration hold needs seconds' });
      if (h.mode !== 'duration' && h.seconds != null)
        ctx.addIssue({
          code: 'custom',
          path: ['seconds'],
          message: 'seconds applies only to a duration hold',
        });
    },
    { when: (p) => p.issues.length === 0 },
  )
  .transform((h): MaintenanceHold =>
    h.mode === 'duration' ? { mode: h.mode, seconds: h.seconds! } : { mode: h.mode },
  );

/** The fields of a plan's parameters (a POST /maintenance body holds them beside `targets` and `dryRun`). */
export const maintenanceParamsShape = {
  order: z
    .enum(MAINTENANCE_ORDERS, { error: `order must be one of ${MAINTENANCE_ORDERS.join(', ')}` })
    .nullish()
    .transform((o) => o ?? 'given'),
  maxUnavailable,
  drain: orEmpty(drainOptionsSchema),
  hold: hold.nullish().transform((h): MaintenanceHold => h ?? { mode: 'none' }),
  uncordon: flag('uncordon', true),
  gateTimeoutSeconds: wholeNumber('gateTimeoutSeconds', 1, MAX_GATE_TIMEOUT_S, DEFAULT_GATE_TIMEOUT_S),
  maxFailedNodes: wholeNumber('maxFailedNodes', 1, 10_000, 1),
  override: flag('override'),
};

export const maintenanceParamsSchema = strictShape(maintenanceParamsShape).transform(
  (p): MaintenanceParams => p,
);

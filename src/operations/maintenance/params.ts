/**
 * Validation of a maintenance plan's parameters: from a request, and again from the stored job when a plan is
 * resumed (what was stored is what was validated, so it parses the same).
 */
import { badRequest } from '../../errors.js';
import { asObject, onlyKeys, parseDrainOptions } from '../validation.js';
import {
  HOLD_MODES,
  MAINTENANCE_ORDERS,
  type HoldMode,
  type MaintenanceHold,
  type MaintenanceOrder,
  type MaintenanceParams,
} from './types.js';

export const MAINTENANCE_PARAM_KEYS = [
  'order',
  'maxUnavailable',
  'drain',
  'hold',
  'uncordon',
  'gateTimeoutSeconds',
  'maxFailedNodes',
  'override',
] as const;

const MAX_GATE_TIMEOUT_S = 7 * 24 * 3600;
const MAX_HOLD_S = 7 * 24 * 3600;
export const DEFAULT_GATE_TIMEOUT_S = 600;

const f = (base: string, k: string) => (base ? `${base}.${k}` : k);

function wholeNumber(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw badRequest(`${field.split('.').pop()} must be a whole number from ${min} to ${max}`, field);
  return v;
}

function parseMaxUnavailable(v: unknown, field: string): number | string {
  if (v === undefined || v === null) return 1;
  if (typeof v === 'number') return wholeNumber(v, field, 1, 10_000);
  if (typeof v === 'string') {
    const m = /^([1-9][0-9]?|100)%$/.exec(v.trim());
    if (m) return `${m[1]}%`;
  }
  throw badRequest(
    'maxUnavailable must be a whole number of nodes (1 or more) or a percentage such as "25%"',
    field,
  );
}

function parseHold(v: unknown, field: string): MaintenanceHold {
  if (v === undefined || v === null) return { mode: 'none' };
  const o = asObject(v, field);
  onlyKeys(o, ['mode', 'seconds'], field);
  if (typeof o.mode !== 'string' || !(HOLD_MODES as readonly string[]).includes(o.mode))
    throw badRequest(`hold.mode must be one of ${HOLD_MODES.join(', ')}`, `${field}.mode`);
  const mode = o.mode as HoldMode;
  if (mode === 'duration') {
    if (o.seconds === undefined) throw badRequest('a duration hold needs seconds', `${field}.seconds`);
    return { mode, seconds: wholeNumber(o.seconds, `${field}.seconds`, 1, MAX_HOLD_S) };
  }
  if (o.seconds !== undefined && o.seconds !== null)
    throw badRequest('seconds applies only to a duration hold', `${field}.seconds`);
  return { mode };
}

/** `base` is the field path of the object ('' for a flat request body). `extra`: other keys allowed there. */
export function parseMaintenanceParams(
  raw: unknown,
  base = 'params',
  extra: readonly string[] = [],
): MaintenanceParams {
  const o: Record<string, unknown> = asObject(raw ?? {}, base);
  onlyKeys(o, [...MAINTENANCE_PARAM_KEYS, ...extra], base);
  let order: MaintenanceOrder = 'given';
  if (o.order !== undefined && o.order !== null) {
    if (typeof o.order !== 'string' || !(MAINTENANCE_ORDERS as readonly string[]).includes(o.order))
      throw badRequest(`order must be one of ${MAINTENANCE_ORDERS.join(', ')}`, f(base, 'order'));
    order = o.order as MaintenanceOrder;
  }
  for (const k of ['uncordon', 'override'])
    if (o[k] !== undefined && o[k] !== null && typeof o[k] !== 'boolean')
      throw badRequest(`${k} must be true or false`, f(base, k));
  return {
    order,
    maxUnavailable: parseMaxUnavailable(o.maxUnavailable, f(base, 'maxUnavailable')),
    drain: parseDrainOptions(o.drain ?? {}, f(base, 'drain')),
    hold: parseHold(o.hold, f(base, 'hold')),
    uncordon: o.uncordon !== false,
    gateTimeoutSeconds:
      o.gateTimeoutSeconds === undefined || o.gateTimeoutSeconds === null
        ? DEFAULT_GATE_TIMEOUT_S
        : wholeNumber(o.gateTimeoutSeconds, f(base, 'gateTimeoutSeconds'), 1, MAX_GATE_TIMEOUT_S),
    maxFailedNodes:
      o.maxFailedNodes === undefined || o.maxFailedNodes === null
        ? 1
        : wholeNumber(o.maxFailedNodes, f(base, 'maxFailedNodes'), 1, 10_000),
    override: o.override === true,
  };
}

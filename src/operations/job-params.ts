/**
 * A job's parameters as the runner uses them: parsed per operation from a request, or again from the stored
 * row when another replica adopts the job (what was stored is what was validated, so it parses the same).
 */
import {
  asObject,
  onlyKeys,
  parseCordonParams,
  parseDrainOptions,
  parseEmptyParams,
  parseLabelsIntent,
  parseTaintsIntent,
  type CordonParams,
  type DrainOptions,
  type LabelsIntent,
  type TaintsIntent,
} from './validation.js';
import { badRequest } from '../errors.js';
import type { JobOperation } from './job-types.js';
import { parseMaintenanceParams } from './maintenance/params.js';
import type { MaintenanceParams } from './maintenance/types.js';

export type ParsedParams =
  | { operation: 'cordon'; params: CordonParams }
  | { operation: 'uncordon'; params: Record<string, never> }
  | { operation: 'labels'; params: LabelsIntent }
  | { operation: 'taints'; params: TaintsIntent }
  | { operation: 'drain'; params: DrainOptions }
  | { operation: 'template'; params: { templateId: string } }
  | { operation: 'maintenance'; params: MaintenanceParams };

export function parseParams(operation: JobOperation, raw: unknown): ParsedParams {
  const base = 'params';
  switch (operation) {
    case 'cordon':
      return { operation, params: parseCordonParams(raw, base) };
    case 'uncordon':
      return { operation, params: parseEmptyParams(raw, base) };
    case 'labels':
      return { operation, params: parseLabelsIntent(raw, base) };
    case 'taints':
      return { operation, params: parseTaintsIntent(raw, base) };
    case 'drain':
      return { operation, params: parseDrainOptions(raw, base) };
    case 'template': {
      const o = asObject(raw, base);
      onlyKeys(o, ['templateId'], base);
      if (typeof o.templateId !== 'string' || !o.templateId)
        throw badRequest('templateId is required', 'params.templateId');
      return { operation, params: { templateId: o.templateId } };
    }
    case 'maintenance':
      return { operation, params: parseMaintenanceParams(raw, base) };
  }
}

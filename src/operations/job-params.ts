/**
 * A job's parameters as the runner uses them: parsed per operation from a request, or again from the stored
 * row when another replica adopts the job (what was stored is what was validated, so it parses the same).
 */
import type { CordonParams, DrainOptions, LabelsIntent, TaintsIntent } from './validation.js';
import { parseWith } from './validation.js';
import { JOB_PARAMS_SCHEMAS } from './job-schemas.js';
import type { JobOperation } from './job-types.js';
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
  return { operation, params: parseWith(JOB_PARAMS_SCHEMAS[operation], raw, 'params') } as ParsedParams;
}

/**
 * The body of POST /maintenance as a schema: the plan's targets, `dryRun` (preview only) and its parameters side
 * by side. The route declares it; the service parses the body with it (`parseWith(maintenanceRequestSchema, body)`).
 */
import { jobTargetsSchema } from '../job-schemas.js';
import { flag, orEmpty, strictShape } from '../validation.js';
import { maintenanceParamsShape } from './params.js';
import type { MaintenanceParams } from './types.js';

export const maintenanceRequestSchema = orEmpty(
  strictShape({ targets: jobTargetsSchema, dryRun: flag('dryRun'), ...maintenanceParamsShape }),
).transform(({ targets, dryRun, ...params }) => ({
  targets,
  dryRun,
  params: params as MaintenanceParams,
}));

/**
 * A batch job request as zod schemas: its targets, each operation's parameters and the whole POST /jobs body.
 * The HTTP routes declare them (so the OpenAPI document shows them) and the job request parser can parse with
 * them (`parseWith(jobRequestSchema, body)`); a failure names the field (`targets[0].nodes[3]`, `params.add[0].key`).
 */
import { z } from 'zod';
import { maintenanceParamsSchema } from './maintenance/params.js';
import { JOB_OPERATIONS, type JobOperation, type JobTarget } from './job-types.js';
import {
  cordonParamsSchema,
  drainOptionsSchema,
  emptyParamsSchema,
  flag,
  labelSelectorSchema,
  labelsIntentSchema,
  nodeNameSchema,
  orEmpty,
  strictShape,
  taintsIntentSchema,
} from './validation.js';

export const MAX_JOB_NODES = 10_000;
export const MAX_CONCURRENCY = 50;
const MAX_TARGETS = 100;

const TARGETS_ERROR = 'targets must be a non-empty list of {cluster, nodes | selector}';
const SELECTOR_ERROR =
  'selector must be a non-empty label selector (to target every node, say so, e.g. "kubernetes.io/hostname")';

/** One cluster's nodes, by name or by label selector (exactly one of the two). */
export const jobTargetSchema = strictShape({
  cluster: z.string({ error: 'cluster is required' }).min(1, { error: 'cluster is required' }),
  nodes: z
    .array(nodeNameSchema, { error: 'nodes must be a non-empty list of node names' })
    .min(1, { error: 'nodes must be a non-empty list of node names' })
    .max(MAX_JOB_NODES, { error: `at most ${MAX_JOB_NODES} nodes per job` })
    .nullish(),
  selector: z
    .string({ error: SELECTOR_ERROR })
    .refine((s) => s.trim() !== '', { error: SELECTOR_ERROR })
    .pipe(labelSelectorSchema(4096))
    .nullish(),
})
  .superRefine(
    (t, ctx) => {
      if ((t.nodes == null) === (t.selector == null))
        ctx.addIssue({ code: 'custom', message: 'give either nodes or selector' });
    },
    { when: (p) => p.issues.length === 0 },
  )
  .transform((t): JobTarget =>
    t.nodes
      ? { cluster: t.cluster, nodes: [...new Set(t.nodes)] }
      : { cluster: t.cluster, selector: t.selector!.trim() },
  );

export const jobTargetsSchema = z
  .array(jobTargetSchema, { error: TARGETS_ERROR })
  .min(1, { error: TARGETS_ERROR })
  .max(MAX_TARGETS, { error: `at most ${MAX_TARGETS} targets per job` });

export const templateJobParamsSchema = strictShape({
  templateId: z.string({ error: 'templateId is required' }).min(1, { error: 'templateId is required' }),
});

/** Each operation's `params`; those an operation may go without accept nothing at all. */
export const JOB_PARAMS_SCHEMAS = {
  cordon: orEmpty(cordonParamsSchema),
  uncordon: orEmpty(emptyParamsSchema),
  labels: labelsIntentSchema,
  taints: taintsIntentSchema,
  drain: orEmpty(drainOptionsSchema),
  template: templateJobParamsSchema,
  maintenance: orEmpty(maintenanceParamsSchema),
} satisfies Record<JobOperation, z.ZodType>;

/** Each operation's parameters as the document shows them (one of these, chosen by `operation`). */
const paramsDocument = Object.entries(JOB_PARAMS_SCHEMAS).map(([operation, schema]) => {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return { title: operation, ...json };
});

/**
 * The body of POST /jobs. `params` is checked against its operation's schema (so its problems are named
 * `params.…`); the document lists every operation's shape. Concurrency left out is the operation's default,
 * which the job runner fills in.
 */
export const jobRequestSchema = strictShape({
  operation: z.enum(JOB_OPERATIONS, { error: `operation must be one of ${JOB_OPERATIONS.join(', ')}` }),
  targets: jobTargetsSchema,
  params: z.unknown().optional().meta({ description: "the operation's parameters", anyOf: paramsDocument }),
  concurrency: z
    .number({ error: `concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}` })
    .int({ error: `concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}` })
    .min(1, { error: `concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}` })
    .max(MAX_CONCURRENCY, { error: `concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}` })
    .nullish(),
  override: flag('override'),
}).transform((o, ctx) => {
  const r = JOB_PARAMS_SCHEMAS[o.operation].safeParse(o.params);
  if (!r.success) {
    for (const issue of r.error.issues) ctx.addIssue({ ...issue, path: ['params', ...issue.path] } as never);
    return z.NEVER;
  }
  return { ...o, params: r.data as Record<string, unknown>, concurrency: o.concurrency ?? undefined };
});

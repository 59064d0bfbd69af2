/**
 * A template's create/replace body as a zod schema: name, description, cluster scope, and the label and taint
 * changes it applies (the same schemas as a single-node write). The HTTP routes declare it, so the OpenAPI
 * document shows it; `parseTemplateInput` parses with it.
 */
import { z } from 'zod';
import type { TemplateContent } from './intent.js';
import { labelsIntentSchema, strictShape, taintsIntentSchema } from './validation.js';

/** What a template is made of: a name, a description and a cluster scope around the changes it applies. */
export interface TemplateInput extends TemplateContent {
  name: string;
  description?: string;
  /** Absent or null: every cluster. */
  clusters?: string[] | null;
}

const NAME_MAX = 100;
const DESCRIPTION_MAX = 1000;
const MAX_SCOPE = 100;
const SCOPE_ERROR = `clusters must be a list of 1 to ${MAX_SCOPE} cluster names (leave it out for every cluster)`;

export const templateInputSchema = strictShape({
  name: z
    .string({ error: 'name is required' })
    .trim()
    .min(1, { error: 'name is required' })
    .max(NAME_MAX, { error: `name must be at most ${NAME_MAX} characters` })
    // eslint-disable-next-line no-control-regex
    .regex(/^[^\u0000-\u001f\u007f]*$/, { error: 'name must not contain control characters' }),
  description: z
    .string({ error: 'description must be a string' })
    .max(DESCRIPTION_MAX, { error: `description must be at most ${DESCRIPTION_MAX} characters` })
    .nullish()
    .transform((d) => d?.trim() || undefined),
  labels: labelsIntentSchema.nullish(),
  taints: taintsIntentSchema.nullish(),
  clusters: z
    .array(
      z
        .string({ error: 'a cluster name is a DNS label (lower-case letters, digits, -)' })
        .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, {
          error: 'a cluster name is a DNS label (lower-case letters, digits, -)',
        }),
      { error: SCOPE_ERROR },
    )
    .min(1, { error: SCOPE_ERROR })
    .max(MAX_SCOPE, { error: SCOPE_ERROR })
    .nullish(),
})
  .superRefine(
    (t, ctx) => {
      if (!t.labels && !t.taints)
        ctx.addIssue({ code: 'custom', path: ['labels'], message: 'a template needs labels and/or taints' });
    },
    { when: (p) => p.issues.length === 0 },
  )
  .transform((t): TemplateInput => {
    const out: TemplateInput = {
      name: t.name,
      ...(t.description ? { description: t.description } : {}),
      clusters: t.clusters ? [...new Set(t.clusters)].sort() : null,
    };
    if (t.labels) {
      const { set, remove, allowSystem } = t.labels;
      out.labels = { set, remove, ...(allowSystem ? { allowSystem: true } : {}) };
    }
    if (t.taints) out.taints = t.taints;
    return out;
  });

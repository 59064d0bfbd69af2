/**
 * Input validation for node operations, as zod schemas: Kubernetes' naming rules (src/kube/names.ts) applied to
 * node names, label keys/values and taints, label selectors, and the shape of every operation's parameters. The
 * same schemas are the HTTP routes' body schemas (so the OpenAPI document shows them) and what the job runner and
 * templates parse stored or nested parameters with. Everything here runs before any Kubernetes call; a failure is
 * a 400 naming the offending field (`set.example.com/key`, `add[2].effect`, `params.timeoutSeconds`).
 */
import { z } from 'zod';
import { badRequest } from '../errors.js';
import { dns1123SubdomainProblem, labelValueProblem, qualifiedNameProblem } from '../kube/names.js';
import { parseLabelSelector as parseSelector, SelectorError, type LabelSelector } from '../kube/selector.js';
import type { DrainOptions } from './drain-types.js';
import { TAINT_EFFECTS, type Taint, type TaintEffect } from '../kube/types.js';

/**
 * Keys Kubernetes reserves for itself: a prefix of `kubernetes.io` or `k8s.io`, or any subdomain of them
 * (`node.kubernetes.io/…`, `node-role.kubernetes.io/…`, `topology.kubernetes.io/…`).
 */
export function isSystemKey(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash < 0) return false;
  const prefix = key.slice(0, slash).toLowerCase();
  return ['kubernetes.io', 'k8s.io'].some((d) => prefix === d || prefix.endsWith('.' + d));
}

// ---- schema helpers -------------------------------------------------------------------------------------

/**
 * The field an issue names, as the API has always written it: `base.set.key`, `add[2].effect`; an unknown key
 * names itself (`ignoreDaemonsets`), not the object holding it.
 */
export function fieldOf(issue: z.core.$ZodIssue, base = ''): string {
  const parts: PropertyKey[] = [...issue.path];
  if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) parts.push(issue.keys[0]);
  let out = base;
  for (const p of parts) {
    if (typeof p === 'number') out += `[${p}]`;
    else out = out ? `${out}.${String(p)}` : String(p);
  }
  return out;
}

/** Parses `value` with `schema`; the first problem is thrown as a 400 naming its field under `base`. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, base = ''): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = fieldOf(issue, base);
  // "must be an object" says which object.
  const message = issue.message.startsWith('must be ')
    ? `${field || 'body'} ${issue.message}`
    : issue.message;
  throw badRequest(message, field || undefined);
}

/**
 * An object with exactly these keys. Unknown keys are refused so a misspelt option (`ignoreDaemonsets`) never
 * silently means "false".
 */
export function strictShape<S extends z.ZodRawShape>(shape: S, what = 'an object') {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? `unknown field "${String(iss.keys[0])}" (expected one of: ${allowed})`
        : iss.code === 'invalid_type'
          ? `must be ${what}`
          : undefined,
  });
}

/** A body that may be left out: no body (or null) is the schema's answer for `{}`. */
export function orEmpty<S extends z.ZodType<unknown, object>>(schema: S) {
  return schema.nullish().transform((v) => (v ?? schema.parse({})) as z.output<S>);
}

/** Cross-field rules run only on an object whose fields all passed (one clear problem, not a cascade). */
const whenValid = { when: (p: { issues: readonly unknown[] }) => p.issues.length === 0 };

/** An optional setting: left out or null → `def`. */
export const flag = (name: string, def = false) =>
  z
    .boolean({ error: `${name} must be true or false` })
    .nullish()
    .transform((v) => v ?? def);

/** An optional whole number within bounds: left out or null → `def`. */
export const wholeNumber = (name: string, min: number, max: number, def: number) => {
  const error = `${name} must be a whole number from ${min} to ${max}`;
  return z
    .number({ error })
    .int({ error })
    .min(min, { error })
    .max(max, { error })
    .nullish()
    .transform((v) => v ?? def);
};

/** A string checked by one of Kubernetes' naming rules (a problem text, or undefined when it is fine). */
const named = (what: string, problem: (s: string) => string | undefined) =>
  z.string({ error: `${what} must be a string` }).superRefine((s, ctx) => {
    const p = problem(s);
    if (p) ctx.addIssue({ code: 'custom', message: `invalid ${what} "${s}": ${p}` });
  });

// ---- names ----------------------------------------------------------------------------------------------

/** Node names become URL path segments: anything but a DNS subdomain is refused before a request is built. */
export const nodeNameSchema = z.string({ error: 'node name must be a string' }).superRefine((name, ctx) => {
  const p = dns1123SubdomainProblem(name);
  if (p) ctx.addIssue({ code: 'custom', message: `invalid node name "${name}": ${p}` });
});

export function validateNodeName(name: unknown, field: string): string {
  return parseWith(nodeNameSchema, name, field);
}

// ---- label selectors ------------------------------------------------------------------------------------

/** Validates Kubernetes label-selector syntax with the product's shared parser; 400 naming `field`. */
export function parseLabelSelector(s: string, field: string): LabelSelector {
  try {
    return parseSelector(s);
  } catch (e) {
    if (e instanceof SelectorError) throw badRequest(`invalid label selector "${s}": ${e.message}`, field);
    throw e;
  }
}

/** A label selector in Kubernetes syntax (checked with the shared parser), at most `max` characters. */
export const labelSelectorSchema = (max = 4096) =>
  z
    .string({ error: 'a label selector must be a string' })
    .max(max, { error: `a label selector must be at most ${max} characters` })
    .superRefine((s, ctx) => {
      try {
        parseSelector(s);
      } catch (e) {
        if (!(e instanceof SelectorError)) throw e;
        ctx.addIssue({ code: 'custom', message: `invalid label selector "${s}": ${e.message}` });
      }
    });

// ---- cordon ---------------------------------------------------------------------------------------------

export const MAX_REASON = 1024;

export interface CordonParams {
  reason?: string;
}

/** Why a node is cordoned: shown to others, so one line of plain text; blank means none. */
const reasonField = z
  .string({ error: 'reason must be a string' })
  .max(MAX_REASON, { error: `reason must be at most ${MAX_REASON} characters` })
  // eslint-disable-next-line no-control-regex
  .refine((s) => !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(s.trim()), {
    error: 'reason must not contain control characters',
  })
  .nullish()
  .transform((s) => s?.trim() || undefined);

const cordonShape = { reason: reasonField };
const withReason = <T extends object>(o: T & { reason?: string }): T =>
  (o.reason ? o : (({ reason: _, ...rest }) => rest)(o)) as T;

export const cordonParamsSchema = strictShape(cordonShape).transform((o): CordonParams => withReason(o));

export function parseCordonParams(body: unknown, base = ''): CordonParams {
  return parseWith(orEmpty(cordonParamsSchema), body, base);
}

/** An operation without parameters (uncordon): nothing, or an empty object. */
export const emptyParamsSchema = strictShape({}).transform((): Record<string, never> => ({}));

export function parseEmptyParams(body: unknown, base = ''): Record<string, never> {
  return parseWith(orEmpty(emptyParamsSchema), body, base);
}

// ---- labels ---------------------------------------------------------------------------------------------

/**
 * Bounds of one write (documented in docs/API.md): an audit entry records every key and value of a change,
 * so a change must stay small enough to record whole. Kubernetes' own 63/253-character rules bound each key.
 */
export const MAX_LABEL_KEYS = 100;
export const MAX_TAINTS = 100;

export interface LabelsIntent {
  set: Record<string, string>;
  remove: string[];
  allowSystem: boolean;
}

const labelKey = named('label key', qualifiedNameProblem);

export const labelsIntentSchema = strictShape({
  set: z
    .record(z.string(), z.string({ error: 'a label value must be a string' }), {
      error: 'set must be an object of label keys to values',
    })
    .nullish(),
  remove: z
    .array(z.string({ error: 'label key must be a string' }), {
      error: 'remove must be a list of label keys',
    })
    .nullish(),
  allowSystem: flag('allowSystem'),
})
  .superRefine((o, ctx) => {
    const entries = Object.entries(o.set ?? {});
    const count = entries.length + (o.remove?.length ?? 0);
    if (count > MAX_LABEL_KEYS) {
      ctx.addIssue({
        code: 'custom',
        path: ['set'],
        message: `at most ${MAX_LABEL_KEYS} label keys per request (set and remove together); this one has ${count}`,
      });
      return;
    }
    for (const [k, v] of entries) {
      const kp = qualifiedNameProblem(k);
      const vp = kp ? undefined : labelValueProblem(v);
      if (kp) ctx.addIssue({ code: 'custom', path: ['set', k], message: `invalid label key "${k}": ${kp}` });
      else if (vp)
        ctx.addIssue({
          code: 'custom',
          path: ['set', k],
          message: `invalid value "${v}" for label "${k}": ${vp}`,
        });
    }
    (o.remove ?? []).forEach((k, i) => {
      const r = labelKey.safeParse(k);
      if (!r.success)
        ctx.addIssue({ code: 'custom', path: ['remove', i], message: r.error.issues[0]!.message });
      else if (o.set && Object.hasOwn(o.set, k))
        ctx.addIssue({
          code: 'custom',
          path: ['remove', i],
          message: `label "${r.data}" is both set and removed`,
        });
    });
    if (entries.length === 0 && (o.remove?.length ?? 0) === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['set'],
        message: 'nothing to do: give labels to set and/or remove',
      });
    }
  }, whenValid)
  .transform((o): LabelsIntent => ({
    set: { ...o.set },
    remove: [...new Set(o.remove)],
    allowSystem: o.allowSystem,
  }));

export function parseLabelsIntent(body: unknown, base = ''): LabelsIntent {
  return parseWith(labelsIntentSchema, body, base);
}

/** System keys the intent touches; the caller decides whether the user may. */
export function systemKeysOf(intent: Pick<LabelsIntent, 'set' | 'remove'>): string[] {
  return [...Object.keys(intent.set), ...intent.remove].filter(isSystemKey);
}

// ---- taints ---------------------------------------------------------------------------------------------

export interface TaintRemoval {
  key: string;
  effect?: TaintEffect;
}

export interface TaintsIntent {
  add: Taint[];
  remove: TaintRemoval[];
}

const effectError = (v: unknown) =>
  v === undefined || v === null || v === ''
    ? `effect is required (one of ${TAINT_EFFECTS.join(', ')})`
    : `invalid taint effect ${JSON.stringify(v)}: must be one of ${TAINT_EFFECTS.join(', ')}`;
const effect = z.enum(TAINT_EFFECTS as [TaintEffect, ...TaintEffect[]], {
  error: (iss) => effectError(iss.input),
});
const taintKey = named('taint key', qualifiedNameProblem);
const taintValue = named('taint value', labelValueProblem);

const taintToAdd = strictShape({ key: taintKey, value: taintValue.nullish(), effect });
const taintToRemove = strictShape({
  key: taintKey,
  effect: z
    .union([effect, z.literal(''), z.null()], { error: (iss) => effectError(iss.input) })
    .optional()
    .transform((e) => e || undefined),
  /** Accepted (a removal may repeat the taint as listed) but not matched on: Kubernetes keys taints by key and effect. */
  value: z.string().nullish(),
});

export const taintsIntentSchema = strictShape({
  add: z.array(taintToAdd, { error: 'add must be a list of {key, value?, effect}' }).nullish(),
  remove: z.array(taintToRemove, { error: 'remove must be a list of {key, effect?}' }).nullish(),
})
  .superRefine((o, ctx) => {
    const count = (o.add?.length ?? 0) + (o.remove?.length ?? 0);
    if (count > MAX_TAINTS) {
      ctx.addIssue({
        code: 'custom',
        path: ['add'],
        message: `at most ${MAX_TAINTS} taints per request (add and remove together); this one has ${count}`,
      });
      return;
    }
    const add = o.add ?? [];
    add.forEach((t, i) => {
      if (add.slice(0, i).some((a) => a.key === t.key && a.effect === t.effect))
        ctx.addIssue({
          code: 'custom',
          path: ['add', i],
          message: `taint ${t.key}:${t.effect} is listed twice`,
        });
    });
    (o.remove ?? []).forEach((t, i) => {
      if (add.some((a) => a.key === t.key && (!t.effect || a.effect === t.effect)))
        ctx.addIssue({
          code: 'custom',
          path: ['remove', i],
          message: `taint ${t.key}${t.effect ? ':' + t.effect : ''} is both added and removed`,
        });
    });
    if (count === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['add'],
        message: 'nothing to do: give taints to add and/or remove',
      });
  }, whenValid)
  .transform((o): TaintsIntent => ({
    add: (o.add ?? []).map(({ key, value, effect }) => (value ? { key, value, effect } : { key, effect })),
    remove: (o.remove ?? []).map(({ key, effect }) => (effect ? { key, effect } : { key })),
  }));

export function parseTaintsIntent(body: unknown, base = ''): TaintsIntent {
  return parseWith(taintsIntentSchema, body, base);
}

// ---- drain ----------------------------------------------------------------------------------------------

export type { DrainOptions };

const DAY = 86_400;

const drainShape = {
  ignoreDaemonSets: flag('ignoreDaemonSets'),
  deleteEmptyDirData: flag('deleteEmptyDirData'),
  force: flag('force'),
  gracePeriodSeconds: wholeNumber('gracePeriodSeconds', -1, DAY, -1),
  timeoutSeconds: wholeNumber('timeoutSeconds', 0, 7 * DAY, 0),
  podSelector: z
    .union([labelSelectorSchema(4096), z.null()], { error: 'podSelector must be a string' })
    .optional()
    .transform((s) => s?.trim() || undefined),
  disableEviction: flag('disableEviction'),
  skipWaitForDeleteTimeoutSeconds: wholeNumber('skipWaitForDeleteTimeoutSeconds', 0, 7 * DAY, 0),
  reason: reasonField,
};

export const DRAIN_OPTION_KEYS = Object.keys(drainShape) as (keyof typeof drainShape)[];

const toDrainOptions = ({
  podSelector,
  reason,
  ...o
}: z.output<ReturnType<typeof strictShape<typeof drainShape>>>) =>
  ({ ...o, ...(podSelector ? { podSelector } : {}), ...(reason ? { reason } : {}) }) satisfies DrainOptions;

export const drainOptionsSchema = strictShape(drainShape).transform((o): DrainOptions => toDrainOptions(o));

/**
 * A drain request on one node: the drain's options plus `dryRun` (preview only) and `override` (past the
 * capacity guard, for users allowed to).
 */
export const drainRequestSchema = strictShape({
  ...drainShape,
  dryRun: flag('dryRun'),
  override: flag('override'),
}).transform(({ dryRun, override, ...o }) => ({ dryRun, override, options: toDrainOptions(o) }));

/** A cordon request on one node: its reason, and `override` past the capacity guard. */
export const cordonRequestSchema = strictShape({ ...cordonShape, override: flag('override') }).transform(
  (o): CordonParams & { override: boolean } => withReason(o),
);

export function parseDrainOptions(body: unknown, base = ''): DrainOptions {
  return parseWith(orEmpty(drainOptionsSchema), body, base);
}

/**
 * Input validation for node operations: Kubernetes' naming rules (src/kube/names.ts) applied to node names,
 * label keys/values and taints, label selectors, plus the shape of every operation's parameters. Everything
 * here runs before any Kubernetes call; a failure is a 400 naming the offending field (`set.example.com/key`,
 * `add[2].effect`, `params.timeoutSeconds`).
 */
import { badRequest } from '../errors.js';
import { dns1123SubdomainProblem, labelValueProblem, qualifiedNameProblem } from '../kube/names.js';
import { parseLabelSelector as parseSelector, SelectorError, type LabelSelector } from '../kube/selector.js';
import type { DrainOptions } from './drain-types.js';
import { TAINT_EFFECTS, type Taint, type TaintEffect } from './kube-types.js';

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

// ---- generic shape helpers ------------------------------------------------------------------------------

type Json = Record<string, unknown>;

const join = (base: string, f: string) => (base ? `${base}.${f}` : f);

export function asObject(v: unknown, field: string, what = 'an object'): Json {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw badRequest(`${field || 'body'} must be ${what}`, field || undefined);
  return v as Json;
}

/** Unknown keys are refused so a misspelt option (`ignoreDaemonsets`) never silently means "false". */
export function onlyKeys(o: Json, allowed: readonly string[], base: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k))
      throw badRequest(`unknown field "${k}" (expected one of: ${allowed.join(', ')})`, join(base, k));
  }
}

function optBool(o: Json, k: string, base: string, def: boolean): boolean {
  const v = o[k];
  if (v === undefined || v === null) return def;
  if (typeof v !== 'boolean') throw badRequest(`${k} must be true or false`, join(base, k));
  return v;
}

function optInt(o: Json, k: string, base: string, def: number, min: number, max: number): number {
  const v = o[k];
  if (v === undefined || v === null) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw badRequest(`${k} must be a whole number from ${min} to ${max}`, join(base, k));
  }
  return v;
}

function optString(o: Json, k: string, base: string, max: number): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`${k} must be a string`, join(base, k));
  if (v.length > max) throw badRequest(`${k} must be at most ${max} characters`, join(base, k));
  return v;
}

// ---- names ----------------------------------------------------------------------------------------------

/** Node names become URL path segments: anything but a DNS subdomain is refused before a request is built. */
export function validateNodeName(name: unknown, field: string): string {
  if (typeof name !== 'string') throw badRequest('node name must be a string', field);
  const p = dns1123SubdomainProblem(name);
  if (p) throw badRequest(`invalid node name "${name}": ${p}`, field);
  return name;
}

// ---- cordon ---------------------------------------------------------------------------------------------

export const MAX_REASON = 1024;

export interface CordonParams {
  reason?: string;
}

export function parseCordonParams(body: unknown, base = '', extra: readonly string[] = []): CordonParams {
  const o = body === undefined || body === null ? {} : asObject(body, base);
  onlyKeys(o, ['reason', ...extra], base);
  const reason = optString(o, 'reason', base, MAX_REASON)?.trim();
  // eslint-disable-next-line no-control-regex
  if (reason && /[\u0000-\u0008\u000b-\u001f\u007f]/.test(reason)) {
    throw badRequest('reason must not contain control characters', join(base, 'reason'));
  }
  return reason ? { reason } : {};
}

export function parseEmptyParams(
  body: unknown,
  base = '',
  extra: readonly string[] = [],
): Record<string, never> {
  const o = body === undefined || body === null ? {} : asObject(body, base);
  onlyKeys(o, extra, base);
  return {};
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

export function parseLabelsIntent(body: unknown, base = '', extra: readonly string[] = []): LabelsIntent {
  const o = asObject(body, base);
  onlyKeys(o, ['set', 'remove', 'allowSystem', ...extra], base);
  const set: Record<string, string> = {};
  const setObject =
    o.set === undefined || o.set === null
      ? undefined
      : asObject(o.set, join(base, 'set'), 'an object of label keys to values');
  const keyCount = Object.keys(setObject ?? {}).length + (Array.isArray(o.remove) ? o.remove.length : 0);
  if (keyCount > MAX_LABEL_KEYS)
    throw badRequest(
      `at most ${MAX_LABEL_KEYS} label keys per request (set and remove together); this one has ${keyCount}`,
      join(base, 'set'),
    );
  if (setObject) {
    for (const [k, v] of Object.entries(setObject)) {
      const f = join(base, `set.${k}`);
      const kp = qualifiedNameProblem(k);
      if (kp) throw badRequest(`invalid label key "${k}": ${kp}`, f);
      if (typeof v !== 'string') throw badRequest(`label value for "${k}" must be a string`, f);
      const vp = labelValueProblem(v);
      if (vp) throw badRequest(`invalid value "${v}" for label "${k}": ${vp}`, f);
      set[k] = v;
    }
  }
  const remove: string[] = [];
  if (o.remove !== undefined && o.remove !== null) {
    if (!Array.isArray(o.remove))
      throw badRequest('remove must be a list of label keys', join(base, 'remove'));
    o.remove.forEach((k: unknown, i) => {
      const f = join(base, `remove[${i}]`);
      if (typeof k !== 'string') throw badRequest('label key must be a string', f);
      const kp = qualifiedNameProblem(k);
      if (kp) throw badRequest(`invalid label key "${k}": ${kp}`, f);
      if (k in set) throw badRequest(`label "${k}" is both set and removed`, f);
      if (!remove.includes(k)) remove.push(k);
    });
  }
  if (Object.keys(set).length === 0 && remove.length === 0) {
    throw badRequest('nothing to do: give labels to set and/or remove', join(base, 'set'));
  }
  return { set, remove, allowSystem: optBool(o, 'allowSystem', base, false) };
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

function parseEffect(v: unknown, field: string, required: boolean): TaintEffect | undefined {
  if (v === undefined || v === null || v === '') {
    if (required) throw badRequest(`effect is required (one of ${TAINT_EFFECTS.join(', ')})`, field);
    return undefined;
  }
  if (typeof v !== 'string' || !(TAINT_EFFECTS as readonly string[]).includes(v)) {
    throw badRequest(
      `invalid taint effect ${JSON.stringify(v)}: must be one of ${TAINT_EFFECTS.join(', ')}`,
      field,
    );
  }
  return v as TaintEffect;
}

function parseTaintKey(v: unknown, field: string): string {
  if (typeof v !== 'string') throw badRequest('taint key must be a string', field);
  const p = qualifiedNameProblem(v);
  if (p) throw badRequest(`invalid taint key "${v}": ${p}`, field);
  return v;
}

export function parseTaintsIntent(body: unknown, base = '', extra: readonly string[] = []): TaintsIntent {
  const o = asObject(body, base);
  onlyKeys(o, ['add', 'remove', ...extra], base);
  const taintCount =
    (Array.isArray(o.add) ? o.add.length : 0) + (Array.isArray(o.remove) ? o.remove.length : 0);
  if (taintCount > MAX_TAINTS)
    throw badRequest(
      `at most ${MAX_TAINTS} taints per request (add and remove together); this one has ${taintCount}`,
      join(base, 'add'),
    );
  const add: Taint[] = [];
  if (o.add !== undefined && o.add !== null) {
    if (!Array.isArray(o.add))
      throw badRequest('add must be a list of {key, value?, effect}', join(base, 'add'));
    o.add.forEach((t: unknown, i) => {
      const f = join(base, `add[${i}]`);
      const to = asObject(t, f);
      onlyKeys(to, ['key', 'value', 'effect'], f);
      const key = parseTaintKey(to.key, `${f}.key`);
      const effect = parseEffect(to.effect, `${f}.effect`, true)!;
      let value: string | undefined;
      if (to.value !== undefined && to.value !== null) {
        if (typeof to.value !== 'string') throw badRequest('taint value must be a string', `${f}.value`);
        const vp = labelValueProblem(to.value);
        if (vp) throw badRequest(`invalid taint value "${to.value}": ${vp}`, `${f}.value`);
        value = to.value;
      }
      if (add.some((a) => a.key === key && a.effect === effect)) {
        throw badRequest(`taint ${key}:${effect} is listed twice`, f);
      }
      add.push(value ? { key, value, effect } : { key, effect });
    });
  }
  const remove: TaintRemoval[] = [];
  if (o.remove !== undefined && o.remove !== null) {
    if (!Array.isArray(o.remove))
      throw badRequest('remove must be a list of {key, effect?}', join(base, 'remove'));
    o.remove.forEach((t: unknown, i) => {
      const f = join(base, `remove[${i}]`);
      const to = asObject(t, f);
      onlyKeys(to, ['key', 'effect', 'value'], f);
      const key = parseTaintKey(to.key, `${f}.key`);
      const effect = parseEffect(to.effect, `${f}.effect`, false);
      if (add.some((a) => a.key === key && (!effect || a.effect === effect))) {
        throw badRequest(`taint ${key}${effect ? ':' + effect : ''} is both added and removed`, f);
      }
      remove.push(effect ? { key, effect } : { key });
    });
  }
  if (add.length === 0 && remove.length === 0) {
    throw badRequest('nothing to do: give taints to add and/or remove', join(base, 'add'));
  }
  return { add, remove };
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

// ---- drain ----------------------------------------------------------------------------------------------

export type { DrainOptions };

export const DRAIN_OPTION_KEYS = [
  'ignoreDaemonSets',
  'deleteEmptyDirData',
  'force',
  'gracePeriodSeconds',
  'timeoutSeconds',
  'podSelector',
  'disableEviction',
  'skipWaitForDeleteTimeoutSeconds',
  'reason',
] as const;

const DAY = 86_400;

export function parseDrainOptions(body: unknown, base = '', extra: readonly string[] = []): DrainOptions {
  const o = body === undefined || body === null ? {} : asObject(body, base);
  onlyKeys(o, [...DRAIN_OPTION_KEYS, ...extra], base);
  const podSelector = optString(o, 'podSelector', base, 4096);
  if (podSelector) parseLabelSelector(podSelector, join(base, 'podSelector'));
  return {
    ignoreDaemonSets: optBool(o, 'ignoreDaemonSets', base, false),
    deleteEmptyDirData: optBool(o, 'deleteEmptyDirData', base, false),
    force: optBool(o, 'force', base, false),
    gracePeriodSeconds: optInt(o, 'gracePeriodSeconds', base, -1, -1, DAY),
    timeoutSeconds: optInt(o, 'timeoutSeconds', base, 0, 0, 7 * DAY),
    ...(podSelector && podSelector.trim() ? { podSelector: podSelector.trim() } : {}),
    disableEviction: optBool(o, 'disableEviction', base, false),
    skipWaitForDeleteTimeoutSeconds: optInt(o, 'skipWaitForDeleteTimeoutSeconds', base, 0, 0, 7 * DAY),
    ...parseCordonParams(o.reason === undefined ? {} : { reason: o.reason }, base),
  };
}

export function readBool(o: Json, k: string, base = ''): boolean {
  return optBool(o, k, base, false);
}

/**
 * Kubernetes validation rules for what users type into the label and taint editors, mirroring
 * k8s.io/apimachinery/pkg/util/validation (IsQualifiedName, IsValidLabelValue, IsDNS1123Subdomain) and the
 * taint effects of core/v1. The server validates again; these give immediate, field-level feedback.
 * Each check returns null when valid, or a problem code (an i18n key under `validation.`) with parameters.
 */

import { TAINT_EFFECTS } from '../../src/kube/types';

export interface Problem {
  code: string;
  params?: Record<string, string | number>;
}

const NAME_MAX = 63;
const PREFIX_MAX = 253;
const VALUE_MAX = 63;
const NAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_LABEL}(\\.${DNS1123_LABEL})*$`);

export { TAINT_EFFECTS, type TaintEffect } from '../../src/kube/types';

/** A DNS-1123 subdomain, as label and taint key prefixes must be. */
export function checkDnsSubdomain(s: string): Problem | null {
  if (s.length === 0) return { code: 'prefixEmpty' };
  if (s.length > PREFIX_MAX) return { code: 'prefixTooLong', params: { max: PREFIX_MAX } };
  if (!DNS1123_SUBDOMAIN_RE.test(s)) return { code: 'prefixInvalid' };
  return null;
}

/** A qualified name: `[prefix/]name` — label keys and taint keys. */
export function checkQualifiedName(key: string): Problem | null {
  if (key.length === 0) return { code: 'keyEmpty' };
  const parts = key.split('/');
  if (parts.length > 2) return { code: 'keyTooManySlashes' };
  let name = key;
  if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    const p = checkDnsSubdomain(prefix);
    if (p) return p;
  }
  if (name.length === 0) return { code: 'nameEmpty' };
  if (name.length > NAME_MAX) return { code: 'nameTooLong', params: { max: NAME_MAX } };
  if (!NAME_RE.test(name)) return { code: 'nameInvalid' };
  return null;
}

/** A label value (also a taint value): empty, or ≤63 characters of the name alphabet. */
export function checkLabelValue(value: string): Problem | null {
  if (value.length > VALUE_MAX) return { code: 'valueTooLong', params: { max: VALUE_MAX } };
  if (!VALUE_RE.test(value)) return { code: 'valueInvalid' };
  return null;
}

export function checkTaintEffect(effect: string): Problem | null {
  if (!effect) return { code: 'effectEmpty' };
  if (!(TAINT_EFFECTS as readonly string[]).includes(effect)) return { code: 'effectInvalid' };
  return null;
}

/**
 * Keys under kubernetes.io / k8s.io and their subdomains (node-role.kubernetes.io included) belong to the
 * system; changing them needs admin or the system-label grant, as the server enforces.
 */
export function isSystemKey(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash < 0) return false;
  const prefix = key.slice(0, slash).toLowerCase();
  return ['kubernetes.io', 'k8s.io'].some((d) => prefix === d || prefix.endsWith(`.${d}`));
}

export interface LabelDraft {
  key: string;
  value: string;
}

export interface TaintDraft {
  key: string;
  value: string;
  effect: string;
}

/** Problems of a list of label rows, by row index and field; duplicate keys are reported on the later row. */
export function checkLabelRows(rows: LabelDraft[]): Map<number, { key?: Problem; value?: Problem }> {
  const out = new Map<number, { key?: Problem; value?: Problem }>();
  const seen = new Set<string>();
  rows.forEach((r, i) => {
    const key = checkQualifiedName(r.key) ?? (seen.has(r.key) ? { code: 'duplicateKey' } : null);
    const value = checkLabelValue(r.value);
    seen.add(r.key);
    if (key || value) out.set(i, { ...(key ? { key } : {}), ...(value ? { value } : {}) });
  });
  return out;
}

/** Problems of a list of taint rows; a taint is identified by key and effect, so only that pair must be unique. */
export function checkTaintRows(
  rows: TaintDraft[],
): Map<number, { key?: Problem; value?: Problem; effect?: Problem }> {
  const out = new Map<number, { key?: Problem; value?: Problem; effect?: Problem }>();
  const seen = new Set<string>();
  rows.forEach((r, i) => {
    const id = `${r.key}:${r.effect}`;
    const key = checkQualifiedName(r.key);
    const value = checkLabelValue(r.value);
    const effect = checkTaintEffect(r.effect) ?? (!key && seen.has(id) ? { code: 'duplicateTaint' } : null);
    seen.add(id);
    if (key || value || effect)
      out.set(i, { ...(key ? { key } : {}), ...(value ? { value } : {}), ...(effect ? { effect } : {}) });
  });
  return out;
}

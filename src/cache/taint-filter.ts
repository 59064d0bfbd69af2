/**
 * The `taint` query filter: `key`, `key=value`, `key:Effect`, `key=value:Effect`, comma-separated (all must
 * hold); a leading `!` asks for nodes WITHOUT such a taint. Matching is kubectl's: by key, and by value and
 * effect only when given. `:Effect` alone (no key) matches any taint with that effect, e.g. `:NoExecute`.
 */
import { labelValueProblem, qualifiedNameProblem } from '../kube/names.js';
import type { Taint } from './types.js';

export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

export interface TaintFilter {
  key: string;
  value?: string;
  effect?: string;
  negate: boolean;
}

export class TaintFilterError extends Error {}

export function parseTaintFilter(input: string): TaintFilter[] {
  const out: TaintFilter[] = [];
  for (const raw of input.split(',')) {
    let s = raw.trim();
    if (!s) continue;
    let negate = false;
    if (s.startsWith('!')) {
      negate = true;
      s = s.slice(1).trim();
    }
    const colon = s.indexOf(':');
    const kv = colon >= 0 ? s.slice(0, colon) : s;
    const effect = colon >= 0 ? s.slice(colon + 1) : undefined;
    const eq = kv.indexOf('=');
    const key = eq >= 0 ? kv.slice(0, eq) : kv;
    const value = eq >= 0 ? kv.slice(eq + 1) : undefined;
    // An empty key is "any key", but only with an effect: a bare "" or "=v" says nothing to match on.
    if (key === '' && (effect === undefined || value !== undefined))
      throw new TaintFilterError(`invalid taint filter "${s}": give a key or an effect (":NoExecute")`);
    const kp = key === '' ? undefined : qualifiedNameProblem(key);
    if (kp) throw new TaintFilterError(`invalid taint key "${key}": ${kp}`);
    if (value !== undefined) {
      const vp = labelValueProblem(value);
      if (vp) throw new TaintFilterError(`invalid taint value "${value}": ${vp}`);
    }
    if (effect !== undefined && !(TAINT_EFFECTS as readonly string[]).includes(effect)) {
      throw new TaintFilterError(
        `invalid taint effect "${effect}": must be one of ${TAINT_EFFECTS.join(', ')}`,
      );
    }
    out.push({ key, value, effect, negate });
  }
  return out;
}

export function matchTaints(filters: readonly TaintFilter[], taints: readonly Taint[]): boolean {
  for (const f of filters) {
    const hit = taints.some(
      (t) =>
        (f.key === '' || t.key === f.key) &&
        (f.value === undefined || (t.value ?? '') === f.value) &&
        (f.effect === undefined || t.effect === f.effect),
    );
    if (hit === f.negate) return false;
  }
  return true;
}

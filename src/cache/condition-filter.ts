/**
 * The `condition` query filter: node condition types that must be True, comma-separated (all must hold), a
 * leading `!` for "not True"; `A|B` in one term means either (`MemoryPressure|DiskPressure` = under either). Pressure conditions and NetworkUnavailable are the ones an SRE looks for; any
 * condition type name is accepted so a provider's own conditions (e.g. KernelDeadlock) can be found too.
 * Free of Node APIs: the console filters with this same module.
 */
import type { NodeCondition } from './types.js';

export const PRESSURE_CONDITIONS = [
  'MemoryPressure',
  'DiskPressure',
  'PIDPressure',
  'NetworkUnavailable',
] as const;

export interface ConditionFilter {
  /** Any of these True satisfies the term. */
  types: string[];
  negate: boolean;
}

export class ConditionFilterError extends Error {}

const TYPE = /^[A-Za-z][A-Za-z0-9._/-]{0,62}$/;

export function parseConditionFilter(input: string): ConditionFilter[] {
  const out: ConditionFilter[] = [];
  for (const raw of input.split(',')) {
    let s = raw.trim();
    if (!s) continue;
    let negate = false;
    if (s.startsWith('!')) {
      negate = true;
      s = s.slice(1).trim();
    }
    const types = s.split('|').map((t) => t.trim());
    for (const t of types)
      if (!TYPE.test(t))
        throw new ConditionFilterError(
          `invalid condition "${t}": use a condition type such as ${PRESSURE_CONDITIONS.join(', ')}`,
        );
    if (types.length > 16) throw new ConditionFilterError('at most 16 alternatives in one condition');
    out.push({ types, negate });
  }
  if (out.length > 16) throw new ConditionFilterError('at most 16 conditions');
  return out;
}

export function matchConditions(
  filters: readonly ConditionFilter[],
  conditions: readonly NodeCondition[],
): boolean {
  for (const f of filters) {
    const on = conditions.some((c) => c.status === 'True' && f.types.includes(c.type));
    if (on === f.negate) return false;
  }
  return true;
}

/** True when any pressure condition (or NetworkUnavailable) is True: the overview's "under pressure". */
export function underPressure(conditions: readonly NodeCondition[]): boolean {
  return conditions.some(
    (c) => c.status === 'True' && (PRESSURE_CONDITIONS as readonly string[]).includes(c.type),
  );
}

/** The `condition` filter text for "under any pressure" (the overview's link). */
export const ANY_PRESSURE = PRESSURE_CONDITIONS.join('|');

/**
 * The `condition` query filter: node condition types that must be True, comma-separated (all must hold), a
 * leading `!` for "not True". Pressure conditions and NetworkUnavailable are the ones an SRE looks for; any
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
  type: string;
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
    if (!TYPE.test(s))
      throw new ConditionFilterError(
        `invalid condition "${s}": use a condition type such as ${PRESSURE_CONDITIONS.join(', ')}`,
      );
    out.push({ type: s, negate });
  }
  if (out.length > 16) throw new ConditionFilterError('at most 16 conditions');
  return out;
}

export function matchConditions(
  filters: readonly ConditionFilter[],
  conditions: readonly NodeCondition[],
): boolean {
  for (const f of filters) {
    const on = conditions.some((c) => c.type === f.type && c.status === 'True');
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

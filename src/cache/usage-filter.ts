/**
 * The `usage` query parameter: comma-separated comparisons of a node's resource shares, all of which must
 * hold, e.g. `cpuUsed>0.9,memRequested<0.2`. Fields: cpuUsed, memUsed, cpuRequested, memRequested,
 * cpuLimits, memLimits; operators `>`, `>=`, `<`, `<=`; values are shares of allocatable (0.9 = 90 %) or
 * percentages with `%` (`cpuUsed>90%`). A node whose share is unknown (no metrics API, no pod index) never
 * matches.
 */
import { RESOURCE_SHARE_FIELDS, type NodeResourceShares, type ResourceShareField } from '../usage/types.js';

export type UsageOp = '>' | '>=' | '<' | '<=';

export interface UsageFilter {
  field: ResourceShareField;
  op: UsageOp;
  value: number;
}

export class UsageFilterError extends Error {}

const TERM = /^([A-Za-z]+)\s*(>=|<=|>|<)\s*(\d+(?:\.\d+)?|\.\d+)\s*(%?)$/;

export function parseUsageFilter(text: string): UsageFilter[] {
  if (text.length > 512) throw new UsageFilterError('usage filter is longer than 512 characters');
  const out: UsageFilter[] = [];
  for (const raw of text.split(',')) {
    const term = raw.trim();
    if (!term) continue;
    const m = TERM.exec(term);
    if (!m)
      throw new UsageFilterError(
        `cannot read "${term}": write <field><op><value>, e.g. cpuUsed>0.9 or memRequested<20%`,
      );
    const field = m[1] as ResourceShareField;
    if (!RESOURCE_SHARE_FIELDS.includes(field))
      throw new UsageFilterError(`unknown usage field "${m[1]}": use ${RESOURCE_SHARE_FIELDS.join(', ')}`);
    const value = m[4] ? Number(m[3]) / 100 : Number(m[3]);
    out.push({ field, op: m[2] as UsageOp, value });
  }
  return out;
}

export function matchUsage(filters: readonly UsageFilter[], s: Partial<NodeResourceShares>): boolean {
  for (const f of filters) {
    const v = s[f.field];
    if (v === null || v === undefined) return false;
    const ok =
      f.op === '>' ? v > f.value : f.op === '>=' ? v >= f.value : f.op === '<' ? v < f.value : v <= f.value;
    if (!ok) return false;
  }
  return true;
}

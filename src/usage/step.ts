/**
 * Whether a node's shares moved enough to be pushed to browsers. Usage changes at every scrape; pushing each
 * wiggle of every node every 30 s would be a flood of rows nobody can read. A node is pushed when any share
 * moved by at least `step` (default 0.02, two percentage points) since the values last pushed, or turned
 * known/unknown. Costs one Float64Array(6) per node (~100 bytes with its map entry).
 */
import { RESOURCE_SHARE_FIELDS, type NodeResourceShares } from './types.js';

export const DEFAULT_STEP = 0.02;

export class StepGate {
  private readonly last = new Map<string, Map<string, Float64Array>>();

  constructor(private readonly step = DEFAULT_STEP) {}

  /** True (and remembers `s` as pushed) when `s` differs enough from what was last pushed. */
  moved(cluster: string, node: string, s: NodeResourceShares): boolean {
    let m = this.last.get(cluster);
    if (!m) {
      m = new Map();
      this.last.set(cluster, m);
    }
    const prev = m.get(node);
    // Nothing pushed yet and nothing known: remember the unknowns, there is nothing to show.
    let moved = !prev && RESOURCE_SHARE_FIELDS.some((f) => s[f] !== null);
    if (prev) {
      for (let i = 0; i < RESOURCE_SHARE_FIELDS.length; i++) {
        const v = s[RESOURCE_SHARE_FIELDS[i]!];
        const p = prev[i]!;
        if (v === null ? !Number.isNaN(p) : Number.isNaN(p) || Math.abs(v - p) >= this.step - 1e-9) {
          moved = true;
          break;
        }
      }
    }
    if (moved) {
      const next = prev ?? new Float64Array(RESOURCE_SHARE_FIELDS.length);
      for (let i = 0; i < RESOURCE_SHARE_FIELDS.length; i++) next[i] = s[RESOURCE_SHARE_FIELDS[i]!] ?? NaN;
      m.set(node, next);
    }
    return moved;
  }

  forget(cluster: string, node?: string): void {
    if (node === undefined) this.last.delete(cluster);
    else this.last.get(cluster)?.delete(node);
  }
}

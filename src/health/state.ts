/**
 * What is wrong with a node right now, from its cached row, and the difference between two such readings as
 * interval opens and closes. Pure: no clock, no store; the recorder supplies `now`.
 */
import type { NodeCondition, NodeRow } from '../cache/types.js';
import type { HealthKind } from './types.js';

/** One bad state of a node as seen now. */
export interface ActiveState {
  /** Epoch ms the state began: the condition's lastTransitionTime when plausible, else when we saw it. */
  startMs: number;
  status?: string;
  reason?: string;
  message?: string;
  actor?: string;
}

export type NodeHealth = Map<HealthKind, ActiveState>;

/** The slice of a node row health depends on. */
export type HealthInput = Pick<NodeRow, 'conditions' | 'unschedulable' | 'cordon'>;

const BAD_WHEN_TRUE: readonly HealthKind[] = [
  'MemoryPressure',
  'DiskPressure',
  'PIDPressure',
  'NetworkUnavailable',
];

/** Long texts from the API server are cut: the store keeps a reason, not a log. */
const MAX_TEXT = 512;
const cut = (s: string | undefined): string | undefined =>
  s === undefined || s === '' ? undefined : s.length > MAX_TEXT ? s.slice(0, MAX_TEXT) : s;

/**
 * A condition's lastTransitionTime, if it is a sane time not after `now` (clocks of API servers and this
 * process differ a little; a time ahead of ours is taken as now so durations are never negative).
 */
export function transitionMs(c: Pick<NodeCondition, 'lastTransitionTime'> | undefined, now: number): number {
  const t = c?.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  return Number.isFinite(t) && t > 0 ? Math.min(t, now) : now;
}

export function healthOf(row: HealthInput, now: number): NodeHealth {
  const out: NodeHealth = new Map();
  let ready: NodeCondition | undefined;
  for (const c of row.conditions) {
    if (c.type === 'Ready') ready = c;
    else if ((BAD_WHEN_TRUE as readonly string[]).includes(c.type) && c.status === 'True')
      out.set(c.type as HealthKind, {
        startMs: transitionMs(c, now),
        status: c.status,
        reason: cut(c.reason),
        message: cut(c.message),
      });
  }
  // A node without a Ready condition has not reported yet: the API shows it as Unknown, and so does history.
  if (!ready || ready.status !== 'True')
    out.set('NotReady', {
      startMs: transitionMs(ready, now),
      status: ready?.status ?? 'Unknown',
      reason: cut(ready?.reason),
      message: cut(ready?.message),
    });
  if (row.unschedulable) {
    const at = row.cordon?.at ? Date.parse(row.cordon.at) : NaN;
    out.set('Cordoned', {
      startMs: Number.isFinite(at) && at > 0 ? Math.min(at, now) : now,
      reason: cut(row.cordon?.reason),
      actor: cut(row.cordon?.by),
    });
  }
  return out;
}

export type HealthChange =
  | { op: 'open'; kind: HealthKind; state: ActiveState }
  /** The open interval's details changed (NotReady: False → Unknown); start stays. */
  | { op: 'update'; kind: HealthKind; startMs: number; state: ActiveState }
  | { op: 'close'; kind: HealthKind; startMs: number; endMs: number };

/**
 * Changes that take `prev` (what the store holds open) to `next` (what the node shows). A state that is bad
 * in both stays one interval, whatever its start says now. A close ends at the moment the node says it
 * recovered (the Ready condition's new lastTransitionTime) when that lies between start and now.
 */
export function diffHealth(
  prev: NodeHealth | undefined,
  next: NodeHealth | undefined,
  now: number,
  recoveredAt?: (kind: HealthKind) => number | undefined,
): HealthChange[] {
  const out: HealthChange[] = [];
  if (prev)
    for (const [kind, p] of prev) {
      const n = next?.get(kind);
      if (!n) {
        const r = recoveredAt?.(kind);
        const endMs = r !== undefined && r >= p.startMs && r <= now ? r : Math.max(now, p.startMs);
        out.push({ op: 'close', kind, startMs: p.startMs, endMs });
      } else if (
        n.status !== p.status ||
        n.reason !== p.reason ||
        n.message !== p.message ||
        n.actor !== p.actor
      ) {
        out.push({ op: 'update', kind, startMs: p.startMs, state: { ...n, startMs: p.startMs } });
      }
    }
  if (next)
    for (const [kind, n] of next) {
      if (!prev?.has(kind)) out.push({ op: 'open', kind, state: n });
    }
  return out;
}

/** When a kind recovered according to the row: the matching condition's lastTransitionTime. */
export function recoveryTimes(
  row: HealthInput | undefined,
  now: number,
): (kind: HealthKind) => number | undefined {
  return (kind) => {
    if (!row || kind === 'Cordoned') return undefined;
    const type = kind === 'NotReady' ? 'Ready' : kind;
    const c = row.conditions.find((x) => x.type === type);
    return c?.lastTransitionTime ? transitionMs(c, now) : undefined;
  };
}

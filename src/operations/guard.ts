/**
 * The safety guard: a cordon or drain must not leave less than a configured share of a cluster's Ready nodes
 * schedulable. It counts the nodes the request would newly take out (Ready and not yet cordoned) plus those
 * that running cordon/drain jobs are still about to take out, so two parallel batches cannot each pass alone.
 */
import { codedError, forbidden } from '../errors.js';
import type { NodeSource } from './ports.js';

export interface GuardDetails {
  cluster: string;
  readyNodes: number;
  schedulableNow: number;
  schedulableAfter: number;
  minimumShare: number;
  /** Nodes this request would newly make unschedulable. */
  takenOut: number;
  /** Other nodes that running cordon/drain jobs are still about to make unschedulable. */
  reservedByJobs: number;
}

export interface GuardActor {
  role: 'viewer' | 'operator' | 'admin';
  canOverrideGuard: boolean;
}

export const mayOverrideGuard = (u: GuardActor) =>
  u.role === 'admin' || (u.role === 'operator' && u.canOverrideGuard);

export async function evaluateGuard(
  nodes: NodeSource,
  cluster: string,
  targets: readonly string[],
  minimumShare: number,
  /** Names other running jobs will still cordon in this cluster. */
  reserved: ReadonlySet<string> = new Set(),
): Promise<{ refused: boolean; details: GuardDetails }> {
  const out = new Set<string>();
  for (const name of new Set([...targets, ...reserved])) {
    const n = await nodes.getNode(cluster, name);
    if (n && n.status === 'Ready' && !n.unschedulable) out.add(name);
  }
  // Counted after the nodes: a reserved node cordoned between the reads is then counted twice (a stricter
  // answer), never read as schedulable in the totals yet as already cordoned itself (a looser one).
  const stats = await nodes.readyStats(cluster);
  const takenOut = targets.filter((t) => out.has(t)).length;
  const schedulableAfter = Math.max(0, stats.readySchedulable - out.size);
  const details: GuardDetails = {
    cluster,
    readyNodes: stats.ready,
    schedulableNow: stats.readySchedulable,
    schedulableAfter,
    minimumShare,
    takenOut,
    reservedByJobs: out.size - takenOut,
  };
  const refused = takenOut > 0 && stats.ready > 0 && schedulableAfter < minimumShare * stats.ready;
  return { refused, details };
}

/** Throws 409 GuardRefused (or 403 when an override is asked for without the right). */
export async function enforceGuard(
  nodes: NodeSource,
  cluster: string,
  targets: readonly string[],
  opts: {
    minimumShare: number;
    override: boolean;
    actor: GuardActor;
    operation: string;
    reserved?: ReadonlySet<string>;
  },
): Promise<GuardDetails> {
  const { refused, details } = await evaluateGuard(nodes, cluster, targets, opts.minimumShare, opts.reserved);
  if (!refused) return details;
  if (opts.override) {
    if (mayOverrideGuard(opts.actor)) return details;
    throw forbidden(
      `overriding the safety guard needs the admin role or an operator with the guard-override grant; ` +
        `without it, ${opts.operation} here would leave ${details.schedulableAfter} of ${details.readyNodes} Ready nodes schedulable`,
    );
  }
  throw codedError(
    409,
    'GuardRefused',
    {
      code: 'guard.refused',
      params: {
        operation: opts.operation,
        cluster,
        schedulableAfter: details.schedulableAfter,
        schedulableNow: details.schedulableNow,
        readyNodes: details.readyNodes,
        minimumPercent: Math.round(opts.minimumShare * 100),
      },
    },
    details,
  );
}

/**
 * How a job's record and its progress deltas combine into what the console shows. A record read over HTTP and
 * deltas from the socket can arrive in either order; a node's status only moves forward (pending → running →
 * a result), so whichever says a node is further along wins. Counts are always derived from the nodes, so they
 * add up to the total by construction.
 */
import type { Job, JobNodeStatus } from '../api/types';
import type { JobDeltaMessage } from '../../../src/realtime/job-delta-types';

export const FINISHED = new Set(['succeeded', 'failed', 'partial', 'cancelled', 'interrupted']);

export const isFinished = (job: Pick<Job, 'status'>): boolean => FINISHED.has(job.status);

const RANK: Record<JobNodeStatus, number> = {
  pending: 0,
  running: 1,
  ok: 2,
  unchanged: 2,
  failed: 2,
  skipped: 2,
  cancelled: 2,
  interrupted: 2,
};

export type JobNodeRow = NonNullable<Job['nodes']>[number];
export type FullCounts = Required<Job['counts']> & { cancelled: number; interrupted: number };

const key = (n: { cluster: string; name: string }) => `${n.cluster}/${n.name}`;

export function emptyCounts(): FullCounts {
  return { ok: 0, unchanged: 0, failed: 0, skipped: 0, pending: 0, running: 0, cancelled: 0, interrupted: 0 };
}

/** Counts of a job in every category; from its nodes when known, else as the server sent them. */
export function fullCounts(job: Job): FullCounts {
  if (!job.nodes) return { ...emptyCounts(), ...job.counts };
  const c = emptyCounts();
  for (const n of job.nodes) c[n.status]++;
  return c;
}

function withCounts(job: Job): Job {
  if (!job.nodes) return job;
  const counts = fullCounts(job);
  return {
    ...job,
    counts,
    done: job.nodes.length - counts.pending - counts.running,
    total: job.nodes.length,
  };
}

const sameCounts = (a: Job['counts'], b: Job['counts']) =>
  (Object.keys(emptyCounts()) as (keyof FullCounts)[]).every(
    (k) => ((a as FullCounts)[k] ?? 0) === ((b as FullCounts)[k] ?? 0),
  );

/** Header of the two that is further along: a finished job never goes back to running. */
function laterHeader(prev: Job, next: Job): Job {
  if (isFinished(prev) && !isFinished(next)) return { ...next, ...headerOf(prev) };
  if (!isFinished(prev) && !isFinished(next) && prev.done > next.done) return { ...next, ...headerOf(prev) };
  return next;
}

function headerOf(j: Job): Partial<Job> {
  const { status, finishedAt, message, messageCode, messageParams, startedAt } = j;
  return { status, finishedAt, message, messageCode, messageParams, startedAt };
}

/** A record read from the server (POST answer, GET, job list) merged into what is known. */
export function mergeRecord(prev: Job | undefined, next: Job): Job {
  if (!prev) return withCounts(next);
  const merged: Job = {
    ...laterHeader(prev, next),
    params: next.params ?? prev.params,
    targets: next.targets ?? prev.targets,
  };
  if (!next.nodes) merged.nodes = prev.nodes;
  else if (prev.nodes) {
    const known = new Map(prev.nodes.map((n) => [key(n), n]));
    merged.nodes = next.nodes.map((n) => {
      const p = known.get(key(n));
      return p && RANK[p.status] > RANK[n.status] ? p : n;
    });
  }
  // A list row (no nodes) brings counts of its own moment; derived counts stay with the nodes they came from.
  return withCounts(merged);
}

/**
 * A delta applied to what is known. `agrees` is false when the counts the server sent do not match the nodes
 * after applying it: something was missed and the job should be read again.
 */
export function applyDelta(prev: Job | undefined, d: JobDeltaMessage): { job: Job; agrees: boolean } {
  const header = d.job as unknown as Job;
  if (!prev) return { job: { ...header, params: header.params ?? {} }, agrees: true };
  let next: Job = {
    ...prev,
    ...header,
    params: header.params ?? prev.params,
    targets: header.targets ?? prev.targets,
  };
  if (isFinished(prev) && !isFinished(header)) next = { ...next, ...headerOf(prev) };
  if (!prev.nodes) return { job: next, agrees: true };
  const nodes = prev.nodes.slice();
  const at = new Map(nodes.map((n, i) => [key(n), i]));
  let unknown = 0;
  for (const n of d.nodes) {
    const i = at.get(key(n));
    if (i === undefined) unknown++;
    // A record read meanwhile may already be further along than this delta.
    else if (RANK[n.status] >= RANK[nodes[i]!.status]) nodes[i] = n;
  }
  next.nodes = nodes;
  const job = withCounts(next);
  const agrees =
    unknown === 0 &&
    job.done >= header.done &&
    (!isFinished(header) || sameCounts(job.counts, header.counts));
  return { job, agrees };
}

/** Finished, yet nodes still waiting or running: the record is missing the last changes. */
export function looksStale(job: Job): boolean {
  if (!isFinished(job) || !job.nodes) return false;
  const c = fullCounts(job);
  return c.pending + c.running > 0 && job.status !== 'interrupted';
}

/**
 * Turns the whole-job snapshots the runner publishes into per-node deltas, so a 1,000-node job costs each
 * client a few bytes per node change instead of a copy of the job several times a second. Each job has a
 * sequence per stream; a client that sees a number skipped reads the job again.
 */
import { randomUUID } from 'node:crypto';
import type { Job, JobNode } from '../operations/job-types.js';
import type { JobDeltaMessage, JobHeader } from './job-delta-types.js';

interface Tracked {
  stream: string;
  seq: number;
  /** Per node (`cluster/name`): status and message as last sent. */
  nodes: Map<string, string>;
  header: string;
  finished: boolean;
}

/** A published job; the hub's own tests publish partial ones. */
export type Snapshot = Partial<Omit<Job, 'nodes'>> & { id: string; nodes?: readonly Partial<JobNode>[] };

const FINAL = new Set(['succeeded', 'failed', 'partial', 'cancelled', 'interrupted']);

export class JobDeltas {
  private readonly jobs = new Map<string, Tracked>();
  private readonly finishedOrder: string[] = [];
  private readonly prefix = randomUUID().slice(0, 8);
  private streams = 0;

  /** Finished jobs remembered so a re-announcement of the same final state sends nothing. */
  constructor(private readonly keepFinished = 200) {}

  /** The delta from the last snapshot of this job, or undefined when nothing a client shows changed. */
  next(job: Snapshot): JobDeltaMessage | undefined {
    let t = this.jobs.get(job.id);
    const first = !t;
    if (!t) {
      t = {
        stream: `${this.prefix}.${++this.streams}`,
        seq: 0,
        nodes: new Map(),
        header: '',
        finished: false,
      };
      this.jobs.set(job.id, t);
    }
    const changed: JobNode[] = [];
    for (const n of job.nodes ?? []) {
      const key = `${n.cluster}/${n.name}`;
      const sig = `${n.status}\u0000${n.message ?? ''}`;
      const prev = t.nodes.get(key);
      if (prev === sig) continue;
      t.nodes.set(key, sig);
      // A first message leaves out nodes not yet started: every job begins with all of them pending.
      if (prev === undefined && n.status === 'pending') continue;
      const node = { cluster: n.cluster, name: n.name, status: n.status } as JobNode;
      if (n.message !== undefined) node.message = n.message;
      if (n.messageCode !== undefined) node.messageCode = n.messageCode;
      if (n.messageParams !== undefined) node.messageParams = n.messageParams;
      changed.push(node);
    }
    const { nodes: _n, params, targets, ...rest } = job;
    const headerSig = JSON.stringify(rest);
    if (!first && !changed.length && headerSig === t.header) return undefined;
    t.header = headerSig;
    t.seq++;
    const header = (first ? { ...rest, params, targets } : rest) as JobHeader;
    if (job.status && FINAL.has(job.status) && !t.finished) {
      t.finished = true;
      this.finishedOrder.push(job.id);
      while (this.finishedOrder.length > this.keepFinished) this.jobs.delete(this.finishedOrder.shift()!);
    }
    return { type: 'job.delta', stream: t.stream, seq: t.seq, job: header, nodes: changed };
  }

  /** Jobs tracked (tests, diagnostics). */
  size(): number {
    return this.jobs.size;
  }
}

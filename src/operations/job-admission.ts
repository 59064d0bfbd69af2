/**
 * Admission of jobs and of single-node cordons. A job — the clash check (a node a maintenance plan is working
 * on, for every kind; a node another live job drains, for a drain), for a cordon or drain the guard, then the
 * job's insert and registration — and a single-node cordon's guard decision and its reservation run one at a
 * time: checking and registering are separated by awaits, and two admissions interleaved there would each
 * spend the same headroom, drain one node twice, or start two plans on one node. On PostgreSQL the section
 * also holds an advisory lock so replicas take turns too.
 */
import type { Kysely } from 'kysely';
import { codedError } from '../errors.js';
import { withJobSubmitLock } from '../store/locks.js';
import type { Dialect } from '../store/migrate.js';
import type { Database } from '../store/schema.js';
import { clashingOperations, clashOf, holdsAgainst, holdsNode, TAKING_OUT } from './job-holds.js';
import type { JobLease } from './job-lease.js';
import { JobStore, type ActiveJobNode } from './job-store.js';
import {
  JOB_OPERATIONS,
  type Job,
  type JobNode,
  type JobNodeStatus,
  type JobOperation,
} from './job-types.js';

const unfinished = (_operation: JobOperation, status: JobNodeStatus) =>
  status === 'pending' || status === 'running';
import type { RunningJobs } from './running-jobs.js';

/** One holder at a time, in arrival order: a promise chain. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const before = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    await before;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

export interface JobAdmissionDeps {
  db: Kysely<Database>;
  /** On PostgreSQL, admissions also lock out the other replicas (default sqlite). */
  dialect?: Dialect;
  store: JobStore;
  instanceId: string;
  /** Other processes' jobs are read from the store while their owner's heartbeat is fresh. */
  sharedStore?: boolean;
  jobs: RunningJobs;
  lease: JobLease;
}

/** The guard of one cluster's nodes, given the nodes already spoken for there. */
export type GuardCheck = (cluster: string, names: string[], reserved: Set<string>) => Promise<unknown>;

export class JobAdmission {
  private readonly turn = new Mutex();
  /** Nodes single-node cordons passed the guard for and have not finished writing (see admitSingle). */
  private readonly singles = new Set<{ cluster: string; names: readonly string[] }>();

  constructor(private readonly d: JobAdmissionDeps) {}

  /**
   * Nodes that running cordon/drain jobs will still take out of scheduling in a cluster (for the guard),
   * whichever process sharing the store runs them, and those of this process's single-node cordons between
   * their guard decision and their write.
   */
  async reserved(cluster: string): Promise<Set<string>> {
    return this.reservedIn(cluster, await this.liveNodes([cluster], TAKING_OUT));
  }

  private reservedIn(cluster: string, live: readonly ActiveJobNode[]): Set<string> {
    const out = new Set(live.filter((n) => n.cluster === cluster).map((n) => n.name));
    for (const s of this.singles) if (s.cluster === cluster) for (const n of s.names) out.add(n);
    return out;
  }

  /**
   * Admits a job inside the admission section: the clash check (clashOf: every kind against the nodes live
   * maintenance plans hold, a drain against other drains), `guard` per cluster for a cordon or drain, then
   * `insert`; `register` runs after the insert has committed, before the next turn. `requested` holds the
   * job's nodes as `cluster/name`. A refusal is a 409 `Conflict` naming the job in the way and the nodes.
   */
  async admitJob<T>(
    operation: JobOperation,
    nodes: readonly JobNode[],
    requested: ReadonlySet<string>,
    guard: GuardCheck,
    insert: (store: JobStore) => Promise<Job>,
    register: (job: Job) => T,
  ): Promise<T> {
    const byCluster = new Map<string, string[]>();
    for (const n of nodes) byCluster.set(n.cluster, [...(byCluster.get(n.cluster) ?? []), n.name]);
    const guarded = operation === 'cordon' || operation === 'drain';
    return this.admit(async (store) => {
      const clusters = [...byCluster.keys()];
      const holds = holdsAgainst(operation);
      const live = await this.liveNodes(clusters, clashingOperations(operation), store, holds);
      const clash = clashOf(operation, live, requested);
      if (clash) throw codedError(409, 'Conflict', clash.coded, { job: clash.jobId, nodes: clash.nodes });
      if (guarded) {
        // The guard counts what live jobs will take out, whatever a plan holds against other plans.
        const out = holds === holdsNode ? live : await this.liveNodes(clusters, TAKING_OUT, store);
        for (const [cluster, names] of byCluster) await guard(cluster, names, this.reservedIn(cluster, out));
      }
      return insert(store);
    }, register);
  }

  /**
   * A live job other than `exceptJob` that has not finished node `cluster/name` (pending or running there):
   * a maintenance plan waits for it before its wave takes the node, so a job admitted before the plan held
   * the node does not write underneath the plan's steps either.
   */
  async otherJobOn(cluster: string, name: string, exceptJob: string): Promise<string | undefined> {
    const live = await this.liveNodes([cluster], JOB_OPERATIONS, undefined, unfinished);
    return live.find((n) => n.name === name && n.jobId !== exceptJob)?.jobId;
  }

  /**
   * Refuses (409, as a job would be) a single-node write outside any job to a node a live maintenance plan is
   * working on: an uncordon from the node's page mid-drain breaks the plan as surely as a job would.
   */
  async refuseHeld(cluster: string, name: string): Promise<void> {
    const live = await this.liveNodes([cluster], ['maintenance']);
    const clash = clashOf('node', live, new Set([`${cluster}/${name}`]));
    if (clash) throw codedError(409, 'Conflict', clash.coded, { job: clash.jobId, nodes: clash.nodes });
  }

  /**
   * The guard decision of a single-node cordon (NodeOperations.cordon), taken in the admission section so it
   * and a concurrent job submission or another single cordon cannot both count the same headroom. Its nodes
   * stay reserved for later decisions until `release()`, which the caller invokes once its write has landed
   * in the node source (or failed). The write itself stays outside: it waits on the API server. Across
   * replicas this covers a single cordon arriving while another replica admits a job (it waits and then sees
   * that job); the reverse order is not covered, since the reservation lives in this process only and the
   * other replica sees the node once its watch delivers the cordon.
   */
  async admitSingle(
    cluster: string,
    names: readonly string[],
    decide: (reserved: ReadonlySet<string>) => Promise<unknown>,
  ): Promise<() => void> {
    return this.admit(
      async (store) => {
        await decide(this.reservedIn(cluster, await this.liveNodes([cluster], TAKING_OUT, store)));
      },
      () => {
        const hold = { cluster, names: [...names] };
        this.singles.add(hold);
        return () => void this.singles.delete(hold);
      },
    );
  }

  /**
   * Runs `fn` as the admission section: alone in this process and, on PostgreSQL, alone among the replicas,
   * with `store` on the transaction holding their lock; then `then` (registration) once that has committed.
   * The in-process turn is taken first, so a process queues at most one connection on the advisory lock.
   */
  private admit<T, U>(fn: (store: JobStore) => Promise<T>, then: (value: T) => U): Promise<U> {
    const { db } = this.d;
    return this.turn.run(async () => {
      const value = await withJobSubmitLock(db, this.d.dialect ?? 'sqlite', (tx) =>
        fn(tx === db ? this.d.store : new JobStore(tx)),
      );
      // After the commit (a failed one leaves nothing registered), before the next admission's turn.
      return then(value);
    });
  }

  /**
   * Nodes not yet finished by live jobs: this process's own from memory (fresher than the store, whose
   * writes trail them), other processes' from a shared store as long as their owner's heartbeat is fresh.
   * Without a shared store every job not run here is dead (recoverInterrupted), so memory is the whole answer.
   */
  private async liveNodes(
    clusters: string[],
    operations: readonly JobOperation[],
    store = this.d.store,
    holds: (operation: JobOperation, status: JobNodeStatus) => boolean = holdsNode,
  ): Promise<ActiveJobNode[]> {
    const { jobs } = this.d;
    const out: ActiveJobNode[] = [];
    for (const a of jobs.all()) {
      const { id, operation } = a.job;
      if (!operations.includes(operation)) continue;
      for (const n of a.job.nodes)
        if (clusters.includes(n.cluster) && holds(operation, n.status))
          out.push({ jobId: id, operation, cluster: n.cluster, name: n.name });
    }
    if (!this.d.sharedStore) return out;
    const others = await store.activeNodes({
      aliveSince: this.d.lease.aliveSince(),
      clusters,
      operations,
      exceptOwner: this.d.instanceId,
      holds,
    });
    for (const n of others) if (!jobs.has(n.jobId)) out.push(n);
    return out;
  }
}

/**
 * Persistence of batch jobs: one `jobs` row and one `job_nodes` row per target, written as each node starts
 * and finishes, so what a job did survives the process (see JobRunner.recoverInterrupted). Pure data access:
 * no Kubernetes, no HTTP.
 */
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { fromJson, toJson } from '../store/values.js';
import type { JobsTable } from './tables.js';
import { holdsNode } from './job-holds.js';
import { fromColumns, toColumns, type Said } from '../messages/column.js';
import {
  countNodes,
  type Job,
  type JobEvent,
  type JobNode,
  type JobNodeStatus,
  type JobOperation,
  type JobStatus,
  type JobTarget,
} from './job-types.js';

const CHUNK = 200;

/** The PostgreSQL channel that announces job changes to the other replicas (job-relay.ts listens). */
export const JOB_CHANNEL = 'knm_job_progress';

export interface JobRowExtra {
  owner: string;
  override: boolean;
  clusters: string[];
  clientIp?: string;
  requestId?: string;
  /** The submitter as admitted (JSON-serialisable), for a replica that adopts the job. */
  actor?: unknown;
}

/** What a heartbeat learnt about the jobs this process runs. */
export interface HeartbeatAnswer {
  /** Someone asked (through any replica) to cancel these. */
  cancel: string[];
  /** No longer ours: another replica adopted them while this one was not heartbeating (a pause, a partition). */
  lost: string[];
}

/** A job row as claimed by its adopter, with the per-node records saying what is left. */
export interface ClaimedJob {
  row: JobsTable;
  nodes: JobNode[];
}

export interface JobSummaryPage {
  items: Omit<Job, 'nodes'>[];
  nextCursor?: string;
}

export interface UnfinishedJob {
  id: string;
  operation: string;
  owner: string;
  heartbeatAt: string;
  createdBy: string;
  clientIp: string | null;
  requestId: string | null;
  clusters: string[];
  params: Record<string, unknown>;
}

/** A node that a live job has not finished with yet. */
export interface ActiveJobNode {
  jobId: string;
  operation: JobOperation;
  cluster: string;
  name: string;
}

function cursorOf(createdAt: string, id: string) {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

function parseCursor(c: string): [string, string] | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(c, 'base64url').toString('utf8'));
    if (Array.isArray(v) && typeof v[0] === 'string' && typeof v[1] === 'string') return [v[0], v[1]];
  } catch {
    /* fall through */
  }
  return undefined;
}

export class JobStore {
  /**
   * `announceAs` (PostgreSQL replicas: this process's id): every write of a running job also NOTIFYs the
   * other replicas, in the same statement, so the announcement is delivered exactly when the write commits —
   * even if this process dies right after (it then never gets to publish what it wrote).
   */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly announceAs?: string,
  ) {}

  private announcement(id: string) {
    return sql<unknown>`pg_notify(${JOB_CHANNEL}, ${JSON.stringify({ j: id, o: this.announceAs })})`.as(
      'announced',
    );
  }

  /** One transaction for the job and its nodes; inside the caller's when this store runs on one. */
  async insert(job: Job, extra: JobRowExtra): Promise<void> {
    const atomically = (fn: (trx: Kysely<Database>) => Promise<void>) =>
      this.db.isTransaction ? fn(this.db) : this.db.transaction().execute(fn);
    await atomically(async (trx) => {
      await trx
        .insertInto('jobs')
        .values({
          id: job.id,
          operation: job.operation,
          params: toJson(job.params),
          targets: toJson(job.targets),
          clusters: toJson(extra.clusters),
          concurrency: job.concurrency,
          override: extra.override ? 1 : 0,
          status: job.status,
          ...toColumns(job.message === undefined ? undefined : { ...job, message: job.message }),
          created_by: job.createdBy,
          created_at: job.createdAt,
          started_at: job.startedAt ?? null,
          finished_at: job.finishedAt ?? null,
          owner: extra.owner,
          heartbeat_at: job.createdAt,
          cancel_requested: 0,
          client_ip: extra.clientIp ?? null,
          request_id: extra.requestId ?? null,
          total: job.total,
          actor: extra.actor === undefined ? null : toJson(extra.actor),
          adopted_by: null,
          events: null,
        })
        .execute();
      const rows = job.nodes.map((n, seq) => ({
        job_id: job.id,
        seq,
        cluster: n.cluster,
        name: n.name,
        status: n.status,
        ...toColumns(n.message === undefined ? undefined : { ...n, message: n.message }),
        updated_at: job.createdAt,
      }));
      for (let i = 0; i < rows.length; i += CHUNK)
        await trx
          .insertInto('job_nodes')
          .values(rows.slice(i, i + CHUNK))
          .execute();
    });
  }

  /**
   * Writes of a running job. With `owner`, a write lands only while that process still owns the job: a
   * replica that was paused long enough to be taken over cannot overwrite its adopter's records.
   */
  async updateJob(
    id: string,
    fields: {
      status?: JobStatus;
      startedAt?: string;
      finishedAt?: string;
      message?: Said;
      heartbeatAt?: string;
    },
    owner?: string,
  ): Promise<void> {
    const set: Record<string, string | null> = {};
    if (fields.status) set.status = fields.status;
    if (fields.startedAt) set.started_at = fields.startedAt;
    if (fields.finishedAt) set.finished_at = fields.finishedAt;
    if (fields.message !== undefined) Object.assign(set, toColumns(fields.message));
    if (fields.heartbeatAt) set.heartbeat_at = fields.heartbeatAt;
    if (!Object.keys(set).length) return;
    let q = this.db.updateTable('jobs').set(set).where('id', '=', id);
    if (owner !== undefined) q = q.where('owner', '=', owner);
    if (this.announceAs !== undefined) await q.returning(this.announcement(id)).execute();
    else await q.execute();
  }

  async updateNode(
    id: string,
    seq: number,
    status: JobNodeStatus,
    message: Said | undefined,
    at: string,
    owner?: string,
  ): Promise<boolean> {
    let q = this.db
      .updateTable('job_nodes')
      .set({ status, ...toColumns(message), updated_at: at })
      .where('job_id', '=', id)
      .where('seq', '=', seq);
    if (owner !== undefined) q = q.where(this.ownedBy(id, owner));
    // false: not written (with `owner`: the job belongs to another process now).
    if (this.announceAs !== undefined)
      return (await q.returning(this.announcement(id)).execute()).length === 1;
    const res = await q.executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Gives every node not yet started one final status (cancel, shutdown). */
  async updatePending(
    id: string,
    status: JobNodeStatus,
    message: Said,
    at: string,
    owner?: string,
  ): Promise<void> {
    let q = this.db
      .updateTable('job_nodes')
      .set({ status, ...toColumns(message), updated_at: at })
      .where('job_id', '=', id)
      .where('status', '=', 'pending');
    if (owner !== undefined) q = q.where(this.ownedBy(id, owner));
    await q.execute();
  }

  private ownedBy(id: string, owner: string) {
    return ({ exists, selectFrom }: ExpressionBuilder<Database, 'job_nodes'>) =>
      exists(selectFrom('jobs').select('jobs.id').where('jobs.id', '=', id).where('jobs.owner', '=', owner));
  }

  /** Proves `owner` alive for its jobs; says which to cancel and which another replica has taken over. */
  async heartbeat(ids: string[], at: string, owner: string): Promise<HeartbeatAnswer> {
    if (ids.length === 0) return { cancel: [], lost: [] };
    await this.db
      .updateTable('jobs')
      .set({ heartbeat_at: at })
      .where('id', 'in', ids)
      .where('owner', '=', owner)
      .execute();
    const rows = await this.db
      .selectFrom('jobs')
      .select(['id', 'owner', 'cancel_requested'])
      .where('id', 'in', ids)
      .execute();
    return {
      cancel: rows.filter((r) => r.owner === owner && r.cancel_requested === 1).map((r) => r.id),
      lost: rows.filter((r) => r.owner !== owner).map((r) => r.id),
    };
  }

  /**
   * Takes over one abandoned job: it becomes `owner`'s if it is still unfinished, still has the owner we saw
   * and that owner's heartbeat is not newer than `staleBefore` (so two replicas claiming at once, or a claim
   * racing a late heartbeat, cannot both win). The hand-over is recorded on the row. Returns the claimed row
   * and its nodes, or undefined when someone else got there first.
   */
  async claim(
    id: string,
    from: string,
    owner: string,
    staleBefore: string,
    event: JobEvent,
  ): Promise<ClaimedJob | undefined> {
    return this.db.transaction().execute(async (trx) => {
      // The conditional write comes first: on SQLite it takes the write lock at once (a read first would
      // make two claimers deadlock on the lock upgrade); on both, only one claimer matches.
      const res = await trx
        .updateTable('jobs')
        .set({ owner, heartbeat_at: event.at, adopted_by: owner })
        .where('id', '=', id)
        .where('owner', '=', from)
        .where('status', 'in', ['pending', 'running'])
        .where('heartbeat_at', '<=', staleBefore)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return undefined;
      const before = await trx.selectFrom('jobs').select('events').where('id', '=', id).executeTakeFirst();
      const events = [...fromJson<JobEvent[]>(before?.events ?? null, []), event];
      await trx
        .updateTable('jobs')
        .set({ events: toJson(events) })
        .where('id', '=', id)
        .execute();
      const row = await trx.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      const nodes = await trx
        .selectFrom('job_nodes')
        .select(['cluster', 'name', 'status', 'message', 'message_code'])
        .where('job_id', '=', id)
        .orderBy('seq')
        .execute();
      return {
        row,
        nodes: nodes.map((n) => ({
          cluster: n.cluster,
          name: n.name,
          status: n.status as JobNodeStatus,
          ...fromColumns(n.message, n.message_code),
        })),
      };
    });
  }

  async requestCancel(id: string): Promise<void> {
    await this.db.updateTable('jobs').set({ cancel_requested: 1 }).where('id', '=', id).execute();
  }

  async get(id: string): Promise<(Job & { clusters: string[] }) | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const nodes = await this.db
      .selectFrom('job_nodes')
      .select(['cluster', 'name', 'status', 'message', 'message_code'])
      .where('job_id', '=', id)
      .orderBy('seq')
      .execute();
    const jn: JobNode[] = nodes.map((n) => ({
      cluster: n.cluster,
      name: n.name,
      status: n.status as JobNodeStatus,
      ...fromColumns(n.message, n.message_code),
    }));
    const { counts, done } = countNodes(jn);
    return {
      ...this.summaryOf(row),
      counts,
      done,
      nodes: jn,
      clusters: fromJson<string[]>(row.clusters, []),
    };
  }

  summaryOf(row: JobsTable): Omit<Job, 'nodes' | 'counts' | 'done'> {
    return {
      id: row.id,
      operation: row.operation as JobOperation,
      params: fromJson<Record<string, unknown>>(row.params, {}),
      targets: fromJson<JobTarget[]>(row.targets, []),
      concurrency: row.concurrency,
      status: row.status as JobStatus,
      createdBy: row.created_by,
      createdAt: row.created_at,
      ...(row.started_at ? { startedAt: row.started_at } : {}),
      ...(row.finished_at ? { finishedAt: row.finished_at } : {}),
      ...fromColumns(row.message, row.message_code),
      total: row.total,
      ...(row.adopted_by ? { adoptedBy: row.adopted_by } : {}),
      ...(row.events ? { events: fromJson<JobEvent[]>(row.events, []) } : {}),
    };
  }

  /**
   * Newest first. `clusters` (non-null) limits the page to jobs touching only those clusters; filtering is
   * done after the query, so a page can be shorter than `limit` while `nextCursor` is still given.
   */
  async list(opts: {
    limit: number;
    cursor?: string;
    clusters: string[] | null;
    status?: JobStatus;
    operation?: JobOperation;
  }): Promise<JobSummaryPage> {
    let q = this.db.selectFrom('jobs').selectAll();
    if (opts.status) q = q.where('status', '=', opts.status);
    if (opts.operation) q = q.where('operation', '=', opts.operation);
    const c = opts.cursor ? parseCursor(opts.cursor) : undefined;
    if (c) {
      const [at, id] = c;
      q = q.where((eb) =>
        eb.or([eb('created_at', '<', at), eb.and([eb('created_at', '=', at), eb('id', '<', id)])]),
      );
    }
    const rows = await q
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(opts.limit + 1)
      .execute();
    const more = rows.length > opts.limit;
    const page = rows.slice(0, opts.limit);
    const visible = page.filter(
      (r) =>
        opts.clusters === null ||
        fromJson<string[]>(r.clusters, []).every((cl) => opts.clusters!.includes(cl)),
    );
    const ids = visible.map((r) => r.id);
    const countRows = ids.length
      ? await this.db
          .selectFrom('job_nodes')
          .select(['job_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
          .where('job_id', 'in', ids)
          .groupBy(['job_id', 'status'])
          .execute()
      : [];
    const items = visible.map((r) => {
      const nodes: JobNode[] = [];
      const counts = countNodes(nodes).counts;
      for (const cr of countRows.filter((x) => x.job_id === r.id))
        counts[cr.status as JobNodeStatus] = Number(cr.n);
      const done = r.total - counts.pending - counts.running;
      return { ...this.summaryOf(r), counts, done };
    });
    const last = page[page.length - 1];
    return { items, ...(more && last ? { nextCursor: cursorOf(last.created_at, last.id) } : {}) };
  }

  /**
   * Nodes still pending or running in unfinished jobs whose owner heartbeated after `aliveSince` (an
   * abandoned job stops counting once its heartbeat is stale, before anyone sweeps it). One join over
   * jobs(status) and job_nodes(job_id, status): unfinished jobs are few, so this stays cheap.
   */
  async activeNodes(opts: {
    aliveSince: string;
    clusters?: readonly string[];
    operations?: readonly JobOperation[];
    /** Leaves out the jobs of this owner (a runner knows its own jobs better than the store). */
    exceptOwner?: string;
    /** Which pending or running nodes count (default: holdsNode, what takes nodes out of scheduling). */
    holds?: (operation: JobOperation, status: JobNodeStatus) => boolean;
  }): Promise<ActiveJobNode[]> {
    if (opts.clusters?.length === 0 || opts.operations?.length === 0) return [];
    let q = this.db
      .selectFrom('jobs as j')
      .innerJoin('job_nodes as n', 'n.job_id', 'j.id')
      .select(['j.id as jobId', 'j.operation', 'n.cluster', 'n.name', 'n.status'])
      .where('j.status', 'in', ['pending', 'running'])
      .where('j.heartbeat_at', '>', opts.aliveSince)
      .where('n.status', 'in', ['pending', 'running']);
    if (opts.clusters) q = q.where('n.cluster', 'in', [...opts.clusters]);
    if (opts.operations) q = q.where('j.operation', 'in', [...opts.operations]);
    if (opts.exceptOwner !== undefined) q = q.where('j.owner', '<>', opts.exceptOwner);
    const rows = await q.orderBy('j.created_at').orderBy('j.id').orderBy('n.seq').execute();
    return rows
      .filter((r) => (opts.holds ?? holdsNode)(r.operation as JobOperation, r.status as JobNodeStatus))
      .map((r) => ({
        jobId: r.jobId,
        operation: r.operation as JobOperation,
        cluster: r.cluster,
        name: r.name,
      }));
  }

  async unfinished(): Promise<UnfinishedJob[]> {
    const rows = await this.db
      .selectFrom('jobs')
      .selectAll()
      .where('status', 'in', ['pending', 'running'])
      .execute();
    return rows.map((r) => ({
      id: r.id,
      operation: r.operation,
      owner: r.owner,
      heartbeatAt: r.heartbeat_at,
      createdBy: r.created_by,
      clientIp: r.client_ip,
      requestId: r.request_id,
      clusters: fromJson<string[]>(r.clusters, []),
      params: fromJson<Record<string, unknown>>(r.params, {}),
    }));
  }

  /**
   * Marks one abandoned job interrupted, if it is still unfinished and still has the owner we saw (so two
   * processes sweeping at once cannot both claim it). Returns false when someone else got there first.
   */
  async markInterrupted(
    id: string,
    owner: string,
    at: string,
    messages: { notStarted: Said; inProgress: Said },
    jobMessage: (done: number, total: number) => Said,
  ): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('jobs')
        .set({ status: 'interrupted', finished_at: at })
        .where('id', '=', id)
        .where('owner', '=', owner)
        .where('status', 'in', ['pending', 'running'])
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      await trx
        .updateTable('job_nodes')
        .set({ status: 'interrupted', ...toColumns(messages.notStarted), updated_at: at })
        .where('job_id', '=', id)
        .where('status', '=', 'pending')
        .execute();
      await trx
        .updateTable('job_nodes')
        .set({ status: 'interrupted', ...toColumns(messages.inProgress), updated_at: at })
        .where('job_id', '=', id)
        .where('status', '=', 'running')
        .execute();
      const counts = await trx
        .selectFrom('job_nodes')
        .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
        .where('job_id', '=', id)
        .groupBy('status')
        .execute();
      const total = counts.reduce((s, c) => s + Number(c.n), 0);
      const notDone = Number(counts.find((c) => c.status === 'interrupted')?.n ?? 0);
      await trx
        .updateTable('jobs')
        .set(toColumns(jobMessage(total - notDone, total)))
        .where('id', '=', id)
        .execute();
      return true;
    });
  }
}

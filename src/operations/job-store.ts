/**
 * Persistence of batch jobs: one `jobs` row and one `job_nodes` row per target, written as each node starts
 * and finishes, so what a job did survives the process (see JobRunner.recoverInterrupted). Pure data access:
 * no Kubernetes, no HTTP.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { fromJson, toJson } from '../store/values.js';
import type { JobsTable } from './tables.js';
import {
  countNodes,
  type Job,
  type JobNode,
  type JobNodeStatus,
  type JobOperation,
  type JobStatus,
  type JobTarget,
} from './job-types.js';

const CHUNK = 200;

export interface JobRowExtra {
  owner: string;
  override: boolean;
  clusters: string[];
  clientIp?: string;
  requestId?: string;
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
  constructor(private readonly db: Kysely<Database>) {}

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
          message: job.message ?? null,
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
        })
        .execute();
      const rows = job.nodes.map((n, seq) => ({
        job_id: job.id,
        seq,
        cluster: n.cluster,
        name: n.name,
        status: n.status,
        message: n.message ?? null,
        updated_at: job.createdAt,
      }));
      for (let i = 0; i < rows.length; i += CHUNK)
        await trx
          .insertInto('job_nodes')
          .values(rows.slice(i, i + CHUNK))
          .execute();
    });
  }

  async updateJob(
    id: string,
    fields: {
      status?: JobStatus;
      startedAt?: string;
      finishedAt?: string;
      message?: string;
      heartbeatAt?: string;
    },
  ): Promise<void> {
    const set: Record<string, string> = {};
    if (fields.status) set.status = fields.status;
    if (fields.startedAt) set.started_at = fields.startedAt;
    if (fields.finishedAt) set.finished_at = fields.finishedAt;
    if (fields.message !== undefined) set.message = fields.message;
    if (fields.heartbeatAt) set.heartbeat_at = fields.heartbeatAt;
    if (Object.keys(set).length) await this.db.updateTable('jobs').set(set).where('id', '=', id).execute();
  }

  async updateNode(
    id: string,
    seq: number,
    status: JobNodeStatus,
    message: string | undefined,
    at: string,
  ): Promise<void> {
    await this.db
      .updateTable('job_nodes')
      .set({ status, message: message ?? null, updated_at: at })
      .where('job_id', '=', id)
      .where('seq', '=', seq)
      .execute();
  }

  /** Gives every node not yet started one final status (cancel, shutdown). */
  async updatePending(id: string, status: JobNodeStatus, message: string, at: string): Promise<void> {
    await this.db
      .updateTable('job_nodes')
      .set({ status, message, updated_at: at })
      .where('job_id', '=', id)
      .where('status', '=', 'pending')
      .execute();
  }

  async heartbeat(ids: string[], at: string): Promise<string[]> {
    if (ids.length === 0) return [];
    await this.db.updateTable('jobs').set({ heartbeat_at: at }).where('id', 'in', ids).execute();
    const rows = await this.db
      .selectFrom('jobs')
      .select('id')
      .where('id', 'in', ids)
      .where('cancel_requested', '=', 1)
      .execute();
    return rows.map((r) => r.id);
  }

  async requestCancel(id: string): Promise<void> {
    await this.db.updateTable('jobs').set({ cancel_requested: 1 }).where('id', '=', id).execute();
  }

  async get(id: string): Promise<(Job & { clusters: string[] }) | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const nodes = await this.db
      .selectFrom('job_nodes')
      .select(['cluster', 'name', 'status', 'message'])
      .where('job_id', '=', id)
      .orderBy('seq')
      .execute();
    const jn: JobNode[] = nodes.map((n) => ({
      cluster: n.cluster,
      name: n.name,
      status: n.status as JobNodeStatus,
      ...(n.message ? { message: n.message } : {}),
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

  private summaryOf(row: JobsTable): Omit<Job, 'nodes' | 'counts' | 'done'> {
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
      ...(row.message ? { message: row.message } : {}),
      total: row.total,
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
  }): Promise<ActiveJobNode[]> {
    if (opts.clusters?.length === 0 || opts.operations?.length === 0) return [];
    let q = this.db
      .selectFrom('jobs as j')
      .innerJoin('job_nodes as n', 'n.job_id', 'j.id')
      .select(['j.id as jobId', 'j.operation', 'n.cluster', 'n.name'])
      .where('j.status', 'in', ['pending', 'running'])
      .where('j.heartbeat_at', '>', opts.aliveSince)
      .where('n.status', 'in', ['pending', 'running']);
    if (opts.clusters) q = q.where('n.cluster', 'in', [...opts.clusters]);
    if (opts.operations) q = q.where('j.operation', 'in', [...opts.operations]);
    if (opts.exceptOwner !== undefined) q = q.where('j.owner', '<>', opts.exceptOwner);
    const rows = await q.orderBy('j.created_at').orderBy('j.id').orderBy('n.seq').execute();
    return rows.map((r) => ({
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
    messages: { notStarted: string; inProgress: string },
    jobMessage: (done: number, total: number) => string,
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
        .set({ status: 'interrupted', message: messages.notStarted, updated_at: at })
        .where('job_id', '=', id)
        .where('status', '=', 'pending')
        .execute();
      await trx
        .updateTable('job_nodes')
        .set({ status: 'interrupted', message: messages.inProgress, updated_at: at })
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
        .set({ message: jobMessage(total - notDone, total) })
        .where('id', '=', id)
        .execute();
      return true;
    });
  }
}

/**
 * The health history in the store: batched idempotent upserts of intervals, the reads behind the timeline and
 * the fleet view, and the retention purge. Every read is bounded; arithmetic over a period (overlap, MTTR) is
 * integer arithmetic on the epoch-ms columns, portable between SQLite and PostgreSQL.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { NodeHealthTable } from './tables.js';
import type { HealthInterval, HealthKind } from './types.js';
import './tables.js';

export const DAY_MS = 86_400_000;
/** Rows per INSERT: ~11 parameters each, far under both dialects' parameter limits; one short transaction. */
export const UPSERT_CHUNK = 250;
export const TIMELINE_MAX = 2000;
/** Per-node aggregate rows read for one fleet view. */
export const FLEET_NODE_ROWS_MAX = 50_000;

export type HealthRow = NodeHealthTable;

export function toInterval(r: HealthRow, now: number): HealthInterval {
  const end = r.ended_ms === null ? undefined : Number(r.ended_ms);
  const out: HealthInterval = {
    cluster: r.cluster,
    node: r.node,
    kind: r.kind as HealthKind,
    start: r.started_at,
    durationMs: Math.max(0, (end ?? now) - Number(r.started_ms)),
  };
  if (r.ended_at) out.end = r.ended_at;
  if (r.status) out.status = r.status;
  if (r.reason) out.reason = r.reason;
  if (r.message) out.message = r.message;
  if (r.actor) out.actor = r.actor;
  return out;
}

export interface PerNodeOutage {
  cluster: string;
  node: string;
  outages: number;
  recovered: number;
  repairMs: number;
  downMs: number;
}

export class HealthHistory {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Writes rows keyed by (cluster, node, kind, started_at): a new interval is inserted, a known one gets its
   * end and details (an end once written is never cleared, so a stale replica cannot reopen a closed interval).
   */
  async upsert(rows: readonly HealthRow[]): Promise<void> {
    if (!rows.length) return;
    await this.db
      .insertInto('node_health')
      .values(rows as HealthRow[])
      .onConflict((oc) =>
        oc.columns(['cluster', 'node', 'kind', 'started_at']).doUpdateSet({
          ended_at: sql`coalesce(node_health.ended_at, excluded.ended_at)`,
          ended_ms: sql`coalesce(node_health.ended_ms, excluded.ended_ms)`,
          status: sql`coalesce(excluded.status, node_health.status)`,
          reason: sql`coalesce(excluded.reason, node_health.reason)`,
          message: sql`coalesce(excluded.message, node_health.message)`,
          actor: sql`coalesce(excluded.actor, node_health.actor)`,
        }),
      )
      .execute();
  }

  /** Open intervals of the given clusters (all when undefined). */
  async open(clusters?: readonly string[], limit = 1_000_000): Promise<HealthRow[]> {
    if (clusters && !clusters.length) return [];
    let q = this.db.selectFrom('node_health').selectAll().where('ended_ms', 'is', null);
    if (clusters) q = q.where('cluster', 'in', clusters as string[]);
    return q.orderBy('started_ms').limit(limit).execute();
  }

  /** A node's intervals that overlap [fromMs, now], newest last; at most TIMELINE_MAX (the newest). */
  async timeline(
    cluster: string,
    node: string,
    fromMs: number,
  ): Promise<{ rows: HealthRow[]; truncated: boolean }> {
    const rows = await this.db
      .selectFrom('node_health')
      .selectAll()
      .where('cluster', '=', cluster)
      .where('node', '=', node)
      .where((eb) => eb.or([eb('ended_ms', 'is', null), eb('ended_ms', '>=', fromMs)]))
      .orderBy('started_ms', 'desc')
      .limit(TIMELINE_MAX + 1)
      .execute();
    const truncated = rows.length > TIMELINE_MAX;
    return { rows: rows.slice(0, TIMELINE_MAX).reverse(), truncated };
  }

  /** Per node: NotReady intervals overlapping [fromMs, toMs), their time inside it, and repairs ending in it. */
  async outagesByNode(
    fromMs: number,
    toMs: number,
    clusters: readonly string[] | undefined,
  ): Promise<{ rows: PerNodeOutage[]; truncated: boolean }> {
    if (clusters && !clusters.length) return { rows: [], truncated: false };
    // Clip each interval to the period; an open interval runs to the period's end.
    const end = sql<number>`(case when ended_ms is null or ended_ms > ${toMs} then ${toMs} else ended_ms end)`;
    const start = sql<number>`(case when started_ms < ${fromMs} then ${fromMs} else started_ms end)`;
    const ended = sql<boolean>`ended_ms is not null and ended_ms >= ${fromMs} and ended_ms < ${toMs}`;
    let q = this.db
      .selectFrom('node_health')
      .select((eb) => [
        'cluster',
        'node',
        eb.fn.countAll<number>().as('outages'),
        sql<number>`sum(case when ${ended} then 1 else 0 end)`.as('recovered'),
        sql<number>`sum(case when ${ended} then ended_ms - started_ms else 0 end)`.as('repairMs'),
        sql<number>`sum(${end} - ${start})`.as('downMs'),
      ])
      .where('kind', '=', 'NotReady')
      .where('started_ms', '<', toMs)
      .where((eb) => eb.or([eb('ended_ms', 'is', null), eb('ended_ms', '>', fromMs)]));
    if (clusters) q = q.where('cluster', 'in', clusters as string[]);
    const rows = await q
      .groupBy(['cluster', 'node'])
      .orderBy('cluster')
      .orderBy('node')
      .limit(FLEET_NODE_ROWS_MAX + 1)
      .execute();
    return {
      rows: rows.slice(0, FLEET_NODE_ROWS_MAX).map((r) => ({
        cluster: r.cluster,
        node: r.node,
        outages: Number(r.outages),
        recovered: Number(r.recovered),
        repairMs: Number(r.repairMs),
        downMs: Number(r.downMs),
      })),
      truncated: rows.length > FLEET_NODE_ROWS_MAX,
    };
  }

  /** Nodes with at least `min` condition transitions (interval starts and ends, cordons aside) since `sinceMs`. */
  async flapping(
    sinceMs: number,
    min: number,
    clusters: readonly string[] | undefined,
    limit: number,
  ): Promise<{ cluster: string; node: string; transitions: number }[]> {
    if (clusters && !clusters.length) return [];
    const transitions = sql<number>`sum(case when started_ms >= ${sinceMs} then 1 else 0 end) + sum(case when ended_ms >= ${sinceMs} then 1 else 0 end)`;
    let q = this.db
      .selectFrom('node_health')
      .select(['cluster', 'node', transitions.as('transitions')])
      .where('kind', '!=', 'Cordoned')
      .where((eb) => eb.or([eb('started_ms', '>=', sinceMs), eb('ended_ms', '>=', sinceMs)]));
    if (clusters) q = q.where('cluster', 'in', clusters as string[]);
    const rows = await q
      .groupBy(['cluster', 'node'])
      .having(transitions, '>=', min)
      .orderBy(transitions, 'desc')
      .orderBy('cluster')
      .orderBy('node')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ cluster: r.cluster, node: r.node, transitions: Number(r.transitions) }));
  }

  /** The longest NotReady intervals overlapping [fromMs, toMs) (open ones measured to `now`). */
  async longest(
    fromMs: number,
    toMs: number,
    now: number,
    clusters: readonly string[] | undefined,
    limit: number,
  ): Promise<HealthRow[]> {
    if (clusters && !clusters.length) return [];
    const duration = sql<number>`(coalesce(ended_ms, ${now}) - started_ms)`;
    let q = this.db
      .selectFrom('node_health')
      .selectAll()
      .where('kind', '=', 'NotReady')
      .where('started_ms', '<', toMs)
      .where((eb) => eb.or([eb('ended_ms', 'is', null), eb('ended_ms', '>', fromMs)]));
    if (clusters) q = q.where('cluster', 'in', clusters as string[]);
    return q.orderBy(duration, 'desc').orderBy('cluster').orderBy('node').limit(limit).execute();
  }

  /** Deletes intervals that ended before the cutoff; open intervals stay whatever their age. */
  async purge(retentionDays: number, now: number): Promise<number> {
    if (retentionDays <= 0) return 0;
    const res = await this.db
      .deleteFrom('node_health')
      .where('ended_ms', '<', now - retentionDays * DAY_MS)
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}

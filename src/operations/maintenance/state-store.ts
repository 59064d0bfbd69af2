/**
 * Persistence of a maintenance plan's own state next to its job row: whether it is paused (and why) and each
 * node's step. Every replica reads and writes here, so pause, resume and "mark done" work through any of
 * them, and a plan adopted or restarted continues at the step each node was at. Pure data access.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { fromJson, toJson } from '../../store/values.js';
import { fromColumns, toColumns, type Said } from '../../messages/column.js';
import type { MessageCodeFields } from '../../messages/codes.js';
import type { GateObjectRef, MaintenanceNodeState, MaintenanceProgress, MaintenanceStep } from './types.js';
import './tables.js';

export interface PlanControl {
  paused: boolean;
  pauseReason?: string;
  pauseReasonCode?: MessageCodeFields['messageCode'];
  pauseReasonParams?: MessageCodeFields['messageParams'];
}

/** Shows the plan's pause flag and reason (with its code) as the shared state has them. */
export function showControl(progress: MaintenanceProgress, c: PlanControl | undefined): void {
  progress.paused = c?.paused ?? false;
  delete progress.pauseReason;
  delete progress.pauseReasonCode;
  delete progress.pauseReasonParams;
  if (c?.pauseReason) progress.pauseReason = c.pauseReason;
  if (c?.pauseReasonCode) {
    progress.pauseReasonCode = c.pauseReasonCode;
    progress.pauseReasonParams = c.pauseReasonParams ?? {};
  }
}

/** A node's fields as the executor writes them: its message as plain text or with its code. */
type NodePatch = Partial<Pick<StoredNode, 'step' | 'stepStartedAt' | 'gateOn' | 'sawNotReady'>> & {
  message?: Said;
};

export type StoredNode = Omit<MaintenanceNodeState, 'gate'> & { seq: number };

export class MaintenanceStateStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Writes the plan's rows once (its first start); a resumed plan keeps the ones it has. */
  async create(jobId: string, nodes: readonly StoredNode[], at: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('maintenance_plans')
        .values({ job_id: jobId, paused: 0, pause_reason: null, pause_code: null, updated_at: at })
        .execute();
      for (let i = 0; i < nodes.length; i += 200)
        await trx
          .insertInto('maintenance_nodes')
          .values(
            nodes.slice(i, i + 200).map((n) => ({
              job_id: jobId,
              seq: n.seq,
              cluster: n.cluster,
              name: n.name,
              wave: n.wave,
              step: n.step,
              step_started_at: n.stepStartedAt ?? null,
              gate_on: toJson(n.gateOn),
              saw_not_ready: n.sawNotReady ? 1 : 0,
              done_requested: n.doneRequested ? 1 : 0,
              ...toColumns(
                n.message === undefined
                  ? undefined
                  : { message: n.message, messageCode: n.messageCode, messageParams: n.messageParams },
              ),
              updated_at: at,
            })),
          )
          .execute();
    });
  }

  async control(jobId: string): Promise<PlanControl | undefined> {
    const r = await this.db
      .selectFrom('maintenance_plans')
      .select(['paused', 'pause_reason', 'pause_code'])
      .where('job_id', '=', jobId)
      .executeTakeFirst();
    if (!r) return undefined;
    const said = fromColumns(r.pause_reason, r.pause_code);
    return {
      paused: r.paused === 1,
      ...(said.message ? { pauseReason: said.message } : {}),
      ...(said.messageCode
        ? { pauseReasonCode: said.messageCode, pauseReasonParams: said.messageParams }
        : {}),
    };
  }

  /** Returns false when the plan has no state yet (not started) or does not exist. */
  async setPaused(jobId: string, paused: boolean, reason: Said | undefined, at: string): Promise<boolean> {
    const why = toColumns(paused ? reason : undefined);
    const r = await this.db
      .updateTable('maintenance_plans')
      .set({
        paused: paused ? 1 : 0,
        pause_reason: why.message,
        pause_code: why.message_code,
        updated_at: at,
      })
      .where('job_id', '=', jobId)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async nodes(jobId: string): Promise<StoredNode[]> {
    const rows = await this.db
      .selectFrom('maintenance_nodes')
      .selectAll()
      .where('job_id', '=', jobId)
      .orderBy('seq')
      .execute();
    return rows.map((r) => ({
      seq: r.seq,
      cluster: r.cluster,
      name: r.name,
      wave: r.wave,
      step: r.step as MaintenanceStep,
      ...(r.step_started_at ? { stepStartedAt: r.step_started_at } : {}),
      gateOn: fromJson<GateObjectRef[]>(r.gate_on, []),
      ...(r.saw_not_ready ? { sawNotReady: true } : {}),
      ...(r.done_requested ? { doneRequested: true } : {}),
      ...fromColumns(r.message, r.message_code),
    }));
  }

  async updateNode(jobId: string, seq: number, patch: NodePatch, at: string): Promise<void> {
    await this.db
      .updateTable('maintenance_nodes')
      .set({
        ...(patch.step ? { step: patch.step } : {}),
        ...('stepStartedAt' in patch ? { step_started_at: patch.stepStartedAt ?? null } : {}),
        ...(patch.gateOn ? { gate_on: toJson(patch.gateOn) } : {}),
        ...(patch.sawNotReady !== undefined ? { saw_not_ready: patch.sawNotReady ? 1 : 0 } : {}),
        ...('message' in patch ? toColumns(patch.message) : {}),
        updated_at: at,
      })
      .where('job_id', '=', jobId)
      .where('seq', '=', seq)
      .execute();
  }

  /** An operator ends a node's hold. Returns false when no such node is in the plan. */
  async requestDone(jobId: string, cluster: string, name: string, at: string): Promise<boolean> {
    const r = await this.db
      .updateTable('maintenance_nodes')
      .set({ done_requested: 1, updated_at: at })
      .where('job_id', '=', jobId)
      .where('cluster', '=', cluster)
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** The operator's "done" marks, read while nodes are held. */
  async doneRequested(jobId: string): Promise<Set<number>> {
    const rows = await this.db
      .selectFrom('maintenance_nodes')
      .select('seq')
      .where('job_id', '=', jobId)
      .where('done_requested', '=', 1)
      .execute();
    return new Set(rows.map((r) => r.seq));
  }
}

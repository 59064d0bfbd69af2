/**
 * Builds the node-operation services of one application instance (the composition root calls this once and
 * hands the result to the operation, job and template route groups).
 */
import type { Kysely } from 'kysely';
import type { Logger } from '../log/logger.js';
import type { Database } from '../store/schema.js';
import { JobRunner } from './jobs.js';
import type { Job } from './job-types.js';
import { systemClock, type Clock } from '../clock.js';
import type { AuditSink, ClusterClients, JobPublisher, NodeSource } from './ports.js';
import { NodeOperations } from './node-operations.js';
import { TemplateStore } from './templates.js';
import { MaintenanceExecutor } from './maintenance/executor.js';
import { MaintenanceService } from './maintenance/service.js';
import { MaintenanceStateStore } from './maintenance/state-store.js';

export interface OperationsServices {
  ops: NodeOperations;
  jobs: JobRunner;
  templates: TemplateStore;
  /** Rolling maintenance plans (jobs of operation `maintenance`). */
  maintenance: MaintenanceService;
  /** Where single-node operations record their audit entries (jobs record through the runner). */
  audit?: AuditSink;
}

export interface CreateOperationsDeps {
  db: Kysely<Database>;
  dialect: 'sqlite' | 'postgres';
  clients: ClusterClients;
  nodes: NodeSource;
  config: { guardMinSchedulable: number };
  publisher?: JobPublisher;
  audit?: AuditSink;
  log?: Logger;
  clock?: Clock;
  /** Test seams for drains (kubectl's 5 s PDB back-off, 1 s deletion polling). */
  drain?: { evictRetryDelayMs?: number; pollIntervalMs?: number };
  /** How often a maintenance plan re-reads its gates, holds and pause flag (default 2 s). */
  maintenancePollMs?: number;
  instanceId?: string;
  /**
   * A job owner silent this long is dead (default 30 s); it heartbeats every sixth of it. With replicas the
   * leader sweeps at that interval and adopts the dead owner's jobs (JobRunner.sweep).
   */
  jobOwnerTimeoutMs?: number;
  /** Told once when a job reaches its final state (notifications). */
  onJobFinished?: (job: Job) => void;
}

/** How often a job owner heartbeats (and the leader sweeps) for a given owner timeout. */
export function jobHeartbeatMs(ownerTimeoutMs: number): number {
  return Math.max(100, Math.floor(ownerTimeoutMs / 6));
}

export function createOperations(d: CreateOperationsDeps): OperationsServices {
  const clock = d.clock ?? systemClock;
  const templates = new TemplateStore(d.db, () => new Date(clock.now()));
  // The runner and the guard refer to each other (running jobs reserve nodes); tie them after construction.
  const ops = new NodeOperations({
    clients: d.clients,
    nodes: d.nodes,
    guardMinSchedulable: d.config.guardMinSchedulable,
    clock,
    drain: d.drain,
    reservedByJobs: (cluster) => jobs.reserved(cluster),
    admitGuarded: (cluster, names, decide) => jobs.admitSingle(cluster, names, decide),
    refuseHeld: (cluster, name) => jobs.refuseHeld(cluster, name),
  });
  const state = new MaintenanceStateStore(d.db);
  const log = d.log?.child({ part: 'maintenance' });
  const maintenanceRun = new MaintenanceExecutor({
    ops,
    state,
    clock,
    audit: d.audit,
    log,
    pollMs: d.maintenancePollMs,
  });
  const jobs: JobRunner = new JobRunner({
    db: d.db,
    dialect: d.dialect,
    ops,
    templates,
    publisher: d.publisher,
    audit: d.audit,
    log: d.log,
    clock,
    instanceId: d.instanceId,
    sharedStore: d.dialect === 'postgres',
    onFinished: d.onJobFinished,
    executors: { maintenance: maintenanceRun },
    ...(d.jobOwnerTimeoutMs
      ? { staleAfterMs: d.jobOwnerTimeoutMs, heartbeatMs: jobHeartbeatMs(d.jobOwnerTimeoutMs) }
      : {}),
  });
  const maintenance = new MaintenanceService({ ops, jobs, state, clock, audit: d.audit, log });
  return { ops, jobs, templates, maintenance, audit: d.audit };
}

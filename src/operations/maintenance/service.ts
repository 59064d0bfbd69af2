/**
 * Maintenance plans as the API offers them: the dry run (waves, each node's drain preview and what its gate
 * will wait on), submission (a job of operation `maintenance`, admitted, audited and run by the job runner),
 * reading a plan with its steps, and the operator's controls — pause, resume, abort, mark a held node done.
 * The controls write the shared state (state-store.ts), so they work through any replica.
 */
import { badRequest, conflict, forbidden, notFound, toApiError } from '../../errors.js';
import type { Logger } from '../../log/logger.js';
import { coded } from '../../messages/english.js';
import { nowIso } from '../../store/values.js';
import { classifyPods, listNodePods } from '../drain-filters.js';
import { FINAL_JOB_STATUSES, type Job } from '../job-types.js';
import type { JobRunner } from '../jobs.js';
import type { RequestContext } from '../job-request.js';
import type { Clock } from '../../clock.js';
import type { AuditSink } from '../ports.js';
import type { Actor } from '../actor.js';
import { checkDisableEviction, type NodeOperations } from '../node-operations.js';
import { parseWith, validateNodeName } from '../validation.js';
import { mapLimited, readPlannedNodes } from './facts.js';
import { gateObjectsOf } from './gate.js';
import { maintenanceRequestSchema } from './request.js';
import { showControl, type MaintenanceStateStore } from './state-store.js';
import {
  FINAL_STEPS,
  type MaintenanceParams,
  type MaintenancePreview,
  type MaintenancePreviewNode,
  type MaintenanceProgress,
} from './types.js';
import type { JobTarget } from '../job-types.js';
import { planWaves, waveSize } from './waves.js';

/** Nodes whose drain the dry run previews in detail (each costs a pod list and budget reads). */
export const MAX_PREVIEWED_NODES = 200;

export interface MaintenanceRequest {
  targets: JobTarget[];
  params: MaintenanceParams;
  dryRun: boolean;
}

/** Validates a POST /maintenance body with the schema the route declares; 400 naming the field. */
export function parseMaintenanceRequest(body: unknown): MaintenanceRequest {
  return parseWith(maintenanceRequestSchema, body);
}

export interface MaintenanceServiceDeps {
  ops: NodeOperations;
  jobs: JobRunner;
  state: MaintenanceStateStore;
  clock: Clock;
  audit?: AuditSink;
  log?: Logger;
}

export class MaintenanceService {
  constructor(private readonly deps: MaintenanceServiceDeps) {}

  /** A dry run (200, changes nothing) or a started plan (the job, 202). */
  async create(
    actor: Actor,
    body: unknown,
    ctx: RequestContext = {},
  ): Promise<{ preview: MaintenancePreview } | { job: Job }> {
    let req: MaintenanceRequest;
    try {
      req = parseMaintenanceRequest(body);
    } catch (e) {
      // A refused plan is on record like a refused job; a dry run is not a change.
      const dry = body !== null && typeof body === 'object' && (body as { dryRun?: unknown }).dryRun === true;
      if (!dry) await this.record(actor, ctx, 'maintenance.create', body, e);
      throw e;
    }
    if (req.dryRun) return { preview: await this.preview(actor, req) };
    const job = await this.deps.jobs.submit(
      actor,
      { operation: 'maintenance', targets: req.targets, params: req.params, override: req.params.override },
      { ...ctx, action: 'maintenance.create' },
    );
    return { job };
  }

  private async record(actor: Actor, ctx: RequestContext, action: string, params: unknown, e: unknown) {
    const api = toApiError(e);
    try {
      await this.deps.audit?.record({
        user: actor.username,
        ip: ctx.ip,
        requestId: ctx.requestId,
        action,
        params,
        outcome: api?.status === 403 ? 'denied' : 'failure',
        status: api?.status ?? 500,
        message: (e as Error).message,
      });
    } catch (err) {
      this.deps.log?.error({ err: (err as Error).message, action }, 'audit record failed');
    }
  }

  async preview(actor: Actor, req: MaintenanceRequest): Promise<MaintenancePreview> {
    const { ops } = this.deps;
    checkDisableEviction(actor, req.params.drain);
    const nodes: { cluster: string; name: string }[] = [];
    const seen = new Set<string>();
    for (const [i, t] of req.targets.entries()) {
      if (actor.clusters !== null && !actor.clusters.includes(t.cluster))
        throw forbidden(`you have no access to cluster "${t.cluster}"`);
      ops.client(t.cluster);
      let names: string[];
      if (t.nodes) {
        for (const n of t.nodes)
          if (!(await ops.nodes.getNode(t.cluster, n)))
            throw notFound(`node "${n}" not found in cluster "${t.cluster}"`);
        names = t.nodes;
      } else {
        names = await ops.nodes.resolveSelector(t.cluster, t.selector!);
        if (names.length === 0)
          throw badRequest(
            `selector "${t.selector}" matches no node in cluster "${t.cluster}"`,
            `targets[${i}].selector`,
          );
      }
      for (const name of names)
        if (!seen.has(`${t.cluster}/${name}`)) {
          seen.add(`${t.cluster}/${name}`);
          nodes.push({ cluster: t.cluster, name });
        }
    }
    const facts = await readPlannedNodes(ops, nodes, req.params.order);
    const waves = planWaves(facts, req.params.order, req.params.maxUnavailable);
    const flat = waves.flat();
    const detailed = await mapLimited(flat.slice(0, MAX_PREVIEWED_NODES), 4, async (n) => {
      const out: MaintenancePreviewNode = { ...n, gateOn: [] };
      try {
        const client = ops.client(n.cluster);
        const p = await ops.previewDrain(n.cluster, n.name, req.params.drain);
        out.drain = { wouldSucceed: p.wouldSucceed, pods: p.pods };
        out.pods ??= p.pods.length;
        const pods = await listNodePods(client, n.name, req.params.drain.podSelector);
        const decided = await classifyPods(client, pods, req.params.drain, new Date(ops.clock.now()));
        out.gateOn = await gateObjectsOf(
          client,
          decided.filter((d) => d.action === 'evict' || d.action === 'delete'),
        );
      } catch (e) {
        out.error = (e as Error).message;
      }
      return out;
    });
    const byKey = new Map(detailed.map((d) => [`${d.cluster}/${d.name}`, d]));
    return {
      dryRun: true,
      params: req.params,
      waveSize: waveSize(req.params.maxUnavailable, flat.length),
      waves: waves.map((w) => w.map((n) => byKey.get(`${n.cluster}/${n.name}`) ?? { ...n, gateOn: [] })),
    };
  }

  /** The plan with its steps: live from the runner when it runs here, else from the store. */
  async get(actor: Pick<Actor, 'clusters'>, id: string): Promise<Job> {
    const job = await this.deps.jobs.get(actor, id);
    if (job.operation !== 'maintenance') throw notFound(`maintenance plan "${id}" not found`);
    if (!job.maintenance || !this.deps.jobs.runs(id)) job.maintenance = await this.progressOf(id);
    else {
      // The runner re-reads the shared flag at its next poll; the answer says what was decided already.
      const c = await this.deps.state.control(id);
      if (c) showControl(job.maintenance, c);
    }
    return job;
  }

  private async progressOf(id: string): Promise<MaintenanceProgress | undefined> {
    const [control, nodes] = await Promise.all([this.deps.state.control(id), this.deps.state.nodes(id)]);
    if (!control) return undefined;
    const waves = Math.max(0, ...nodes.map((n) => n.wave + 1));
    const open = nodes.filter((n) => !FINAL_STEPS.includes(n.step)).map((n) => n.wave);
    const progress: MaintenanceProgress = {
      paused: false,
      waves,
      currentWave: open.length ? Math.min(...open) : waves,
      failedNodes: nodes.filter((n) => n.step === 'failed').length,
      nodes: nodes.map(({ seq: _s, ...n }) => n),
    };
    showControl(progress, control);
    return progress;
  }

  async list(actor: Pick<Actor, 'clusters'>, q: { limit?: number; cursor?: string }) {
    return this.deps.jobs.list(actor, { ...q, operation: 'maintenance' });
  }

  private async control(
    actor: Actor,
    id: string,
    ctx: RequestContext,
    action: string,
    nodes: string[] | undefined,
    apply: (job: Job, at: string) => Promise<void>,
  ): Promise<Job> {
    let job: Job;
    try {
      job = await this.get(actor, id);
      if ((FINAL_JOB_STATUSES as readonly string[]).includes(job.status))
        throw conflict(`maintenance plan ${id} already finished (${job.status})`);
      if (!job.maintenance)
        throw conflict(`maintenance plan ${id} has not started yet; try again in a moment`);
      await apply(job, nowIso(this.deps.clock.now()));
    } catch (e) {
      await this.record(actor, ctx, action, { job: id, ...(nodes ? { nodes } : {}) }, e);
      throw e;
    }
    try {
      await this.deps.audit?.record({
        user: actor.username,
        ip: ctx.ip,
        requestId: ctx.requestId,
        action,
        cluster: nodes ? nodes[0]?.split('/')[0] : undefined,
        nodes: nodes?.map((n) => n.slice(n.indexOf('/') + 1)),
        params: { job: id },
        outcome: 'success',
        status: 202,
      });
    } catch (err) {
      this.deps.log?.error({ err: (err as Error).message, action }, 'audit record failed');
    }
    return this.get(actor, id);
  }

  pause(actor: Actor, id: string, ctx: RequestContext = {}): Promise<Job> {
    return this.control(actor, id, ctx, 'maintenance.pause', undefined, async (_job, at) => {
      const why = coded({ code: 'maintenance.paused.operator', params: { user: actor.username } });
      await this.deps.state.setPaused(id, true, why, at);
    });
  }

  resume(actor: Actor, id: string, ctx: RequestContext = {}): Promise<Job> {
    return this.control(actor, id, ctx, 'maintenance.resume', undefined, async (_job, at) => {
      await this.deps.state.setPaused(id, false, undefined, at);
    });
  }

  /** Ends a held node's hold (any hold mode): the plan uncordons it and moves on. */
  markDone(actor: Actor, id: string, cluster: string, name: string, ctx: RequestContext = {}): Promise<Job> {
    return this.control(actor, id, ctx, 'maintenance.done', [`${cluster}/${name}`], async (_job, at) => {
      validateNodeName(name, 'name');
      if (!(await this.deps.state.requestDone(id, cluster, name, at)))
        throw notFound(`node "${name}" of cluster "${cluster}" is not in maintenance plan ${id}`);
    });
  }

  /** Stops the plan: nodes not started are cancelled; a node in progress stays cordoned. */
  async abort(actor: Actor, id: string, ctx: RequestContext = {}): Promise<Job> {
    await this.get(actor, id);
    await this.deps.jobs.cancel(actor, id, ctx);
    return this.get(actor, id);
  }
}

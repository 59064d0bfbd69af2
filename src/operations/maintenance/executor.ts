/**
 * Runs a maintenance plan (a job of operation `maintenance`): wave after wave, each node of a wave goes
 * cordon → drain → recovery gate → hold → uncordon, and the next wave starts only once every node of this
 * one is through. Each step is persisted before it starts (state-store.ts), so a plan adopted by another
 * replica or resumed after a restart carries on at the step a node was at; a drain resumed re-lists the
 * node's pods and evicts only what is left, and its gate still waits on what the first attempt evicted.
 *
 * Stop rules: the plan pauses itself after `maxFailedNodes` failed nodes, when a gate stays closed past its
 * timeout, and when the guard refuses a cordon; an operator pauses and resumes it through any replica (the
 * flag lives in the store and is re-read while waiting). Every change is audited before it is sent.
 */
import { toApiError } from '../../errors.js';
import type { CodedMessage } from '../../messages/codes.js';
import { assignMessage } from '../../messages/column.js';
import { coded } from '../../messages/english.js';
import type { Logger } from '../../log/logger.js';
import { kubeErrorText } from '../../kube/forbidden.js';
import { nowIso } from '../../store/values.js';
import { recordIntent } from '../audit-intent.js';
import { classifyPods, listNodePods } from '../drain-filters.js';
import { drainProgressMessage } from '../drain-progress.js';
import { DrainError } from '../drain.js';
import type { JobKindExecutor, KindRun } from '../job-executor.js';
import { sleep, type Clock } from '../../clock.js';
import type { AuditSink } from '../ports.js';
import type { NodeOperations } from '../node-operations.js';
import { readPlannedNodes } from './facts.js';
import { gateObjectsOf, gateOpen, mergeRefs, readGate } from './gate.js';
import { showControl, type MaintenanceStateStore, type StoredNode } from './state-store.js';
import {
  FINAL_STEPS,
  type GateObjectRef,
  type MaintenanceNodeState,
  type MaintenanceParams,
  type MaintenanceProgress,
  type MaintenanceStep,
} from './types.js';
import { planWaves } from './waves.js';

export interface MaintenanceExecutorDeps {
  ops: NodeOperations;
  state: MaintenanceStateStore;
  clock: Clock;
  audit?: AuditSink;
  log?: Logger;
  /** How often a waiting plan re-reads its gate, a held node and its pause flag (default 2 s). */
  pollMs?: number;
}

/** Thrown inside a node's course when the job stops (cancel, shutdown, hand-over). */
class Stopped extends Error {}

interface Run {
  r: KindRun;
  params: MaintenanceParams;
  progress: MaintenanceProgress;
  nodes: (MaintenanceNodeState & { seq: number })[];
}

const isFinal = (s: MaintenanceStep) => FINAL_STEPS.includes(s);

export class MaintenanceExecutor implements JobKindExecutor {
  readonly resumable = true;
  private readonly pollMs: number;

  constructor(private readonly deps: MaintenanceExecutorDeps) {
    this.pollMs = deps.pollMs ?? 2000;
  }

  private now(): string {
    return nowIso(this.deps.clock.now());
  }

  async run(r: KindRun): Promise<void> {
    const { job } = r;
    const params = r.params as MaintenanceParams;
    const { state } = this.deps;
    let stored = await state.nodes(job.id);
    if (stored.length === 0) {
      // First start: the order and the waves are decided once and kept, so a resumed plan keeps them.
      let facts;
      try {
        facts = await readPlannedNodes(this.deps.ops, job.nodes, params.order, r.signal);
      } catch (e) {
        if (r.signal.aborted) return;
        const why = coded({ code: 'maintenance.planFailed', params: { detail: (e as Error).message } });
        for (const [seq, n] of job.nodes.entries())
          if (n.status === 'pending') await r.setNode(seq, 'failed', why);
        return;
      }
      const seqOf = new Map(job.nodes.map((n, i) => [`${n.cluster}/${n.name}`, i]));
      stored = planWaves(facts, params.order, params.maxUnavailable)
        .flatMap((wave, w) => wave.map((n) => ({ n, w })))
        .map(({ n, w }) => ({
          seq: seqOf.get(`${n.cluster}/${n.name}`)!,
          cluster: n.cluster,
          name: n.name,
          wave: w,
          step: 'pending' as const,
          gateOn: [],
        }));
      await state.create(job.id, stored, this.now());
      stored.sort((a, b) => a.seq - b.seq);
    }
    const control = await state.control(job.id);
    const waves = Math.max(0, ...stored.map((n) => n.wave + 1));
    const run: Run = {
      r,
      params,
      nodes: stored.map((n) => ({ ...n })),
      progress: {
        paused: false,
        waves,
        currentWave: 0,
        failedNodes: stored.filter((n) => n.step === 'failed').length,
        nodes: [],
      },
    };
    run.progress.nodes = run.nodes;
    showControl(run.progress, control);
    job.maintenance = run.progress;
    r.publish();
    for (let w = 0; w < waves; w++) {
      run.progress.currentWave = w;
      r.publish();
      const members = run.nodes.filter((n) => n.wave === w && !isFinal(n.step));
      await Promise.all(members.map((n) => this.course(run, n)));
      if (r.signal.aborted) return;
    }
    run.progress.currentWave = waves;
    r.publish();
  }

  /** One node's course through its steps, from the step it is at. */
  private async course(run: Run, n: Run['nodes'][number]): Promise<void> {
    const { r } = run;
    try {
      if (r.job.nodes[n.seq]?.status === 'pending' || r.job.nodes[n.seq]?.status === 'running')
        await r.setNode(n.seq, 'running', coded({ code: 'maintenance.node.at', params: { step: n.step } }));
      for (;;) {
        if (isFinal(n.step)) return;
        const resumed = await this.whileNotPaused(run);
        if (resumed && n.step === 'gate') await this.enter(run, n, 'gate'); // a fresh timeout after a pause
        await this.step(run, n);
      }
    } catch (e) {
      if (!(e instanceof Stopped) && !r.signal.aborted) {
        // Something unforeseen (the store, a bug): this node fails and counts towards the stop rule.
        await this.fail(run, n, {
          code: 'maintenance.node.stoppedAt',
          params: { step: n.step, detail: (e as Error).message },
        }).catch(() => {});
        return;
      }
      if (r.stopReason() === 'cancelled' && !isFinal(n.step)) {
        const why: CodedMessage =
          n.step === 'pending'
            ? { code: 'maintenance.node.cancelledBeforeStart', params: {} }
            : { code: 'maintenance.node.cancelledAt', params: { step: n.step } };
        await this.enter(run, n, 'cancelled', why).catch(() => {});
        await r.setNode(n.seq, 'cancelled', coded(why));
      }
      // Shutdown or hand-over: the step stays as stored, for whoever carries the plan on.
    }
  }

  private async step(run: Run, n: Run['nodes'][number]): Promise<void> {
    switch (n.step) {
      case 'pending':
        return this.start(run, n);
      case 'cordon':
        return this.cordon(run, n);
      case 'drain':
        return this.drain(run, n);
      case 'gate':
        return this.gate(run, n);
      case 'hold':
        return this.hold(run, n);
      case 'uncordon':
        return this.uncordon(run, n);
      default:
        return;
    }
  }

  /** Persists a node's new step (before the step acts), then shows it. */
  private async enter(
    run: Run,
    n: Run['nodes'][number],
    step: MaintenanceStep,
    message?: CodedMessage,
    extra: Partial<Pick<StoredNode, 'gateOn' | 'sawNotReady'>> = {},
  ): Promise<void> {
    const at = this.now();
    const said = message && coded(message);
    await this.deps.state.updateNode(
      run.r.job.id,
      n.seq,
      { step, stepStartedAt: at, message: said, ...extra },
      at,
    );
    n.step = step;
    n.stepStartedAt = at;
    assignMessage(n, said);
    if (extra.gateOn) n.gateOn = extra.gateOn;
    if (extra.sawNotReady !== undefined) n.sawNotReady = extra.sawNotReady;
    if (step !== 'gate') delete n.gate;
    run.r.publish();
  }

  private async fail(run: Run, n: Run['nodes'][number], why: CodedMessage): Promise<void> {
    await this.enter(run, n, 'failed', why);
    await run.r.setNode(n.seq, 'failed', coded(why));
    run.progress.failedNodes++;
    const k = run.params.maxFailedNodes;
    if (run.progress.failedNodes >= k)
      await this.pause(run, {
        code: 'maintenance.paused.failures',
        params: { failed: run.progress.failedNodes, limit: k },
      });
  }

  async pause(run: Run, reason: CodedMessage): Promise<void> {
    const said = coded(reason);
    await this.deps.state.setPaused(run.r.job.id, true, said, this.now());
    showControl(run.progress, {
      paused: true,
      pauseReason: said.message,
      pauseReasonCode: said.messageCode,
      pauseReasonParams: said.messageParams,
    });
    this.deps.log?.warn({ job: run.r.job.id, reason: said.message }, 'maintenance plan paused');
    run.r.publish();
  }

  private async sleep(run: Run): Promise<void> {
    if (run.r.signal.aborted) throw new Stopped();
    try {
      await sleep(this.deps.clock, this.pollMs, run.r.signal);
    } catch {
      throw new Stopped();
    }
  }

  /** Waits while the plan is paused (re-reading the shared flag); true when it did wait. */
  private async whileNotPaused(run: Run): Promise<boolean> {
    let waited = false;
    for (;;) {
      if (run.r.signal.aborted) throw new Stopped();
      const c = await this.deps.state.control(run.r.job.id);
      const paused = c?.paused ?? false;
      if (paused !== run.progress.paused || c?.pauseReason !== run.progress.pauseReason) {
        showControl(run.progress, c);
        run.r.publish();
      }
      if (!paused) return waited;
      waited = true;
      await this.sleep(run);
    }
  }

  private audited(run: Run, n: Run['nodes'][number], action: string, params: Record<string, unknown>) {
    return recordIntent(
      this.deps.audit,
      {
        user: run.r.job.createdBy,
        action,
        cluster: n.cluster,
        nodes: [n.name],
        params: { job: run.r.job.id, wave: n.wave, ...params },
      },
      this.deps.log,
    );
  }

  /**
   * The node's turn has come. The plan holds it from here (its job status is running), so no new job is
   * admitted on it; one admitted earlier that has not finished it yet is waited for, so that it does not
   * write underneath the plan's steps (a template uncordoning mid-drain).
   */
  private async start(run: Run, n: Run['nodes'][number]): Promise<void> {
    const other = await run.r.otherJobOn(n.cluster, n.name);
    if (!other) return this.enter(run, n, 'cordon');
    if (n.messageCode !== 'maintenance.node.waitingForJob' || n.messageParams?.job !== other) {
      assignMessage(n, coded({ code: 'maintenance.node.waitingForJob', params: { job: other } }));
      run.r.publish();
    }
    await this.sleep(run);
  }

  private async cordon(run: Run, n: Run['nodes'][number]): Promise<void> {
    const { ops } = this.deps;
    const { r } = run;
    try {
      await ops.guard(
        r.actor,
        n.cluster,
        [n.name],
        run.params.override,
        'maintenance cordon',
        await r.reserved(n.cluster),
      );
    } catch (e) {
      const api = toApiError(e);
      if (api?.code === 'GuardRefused' || api?.status === 403) {
        const refusal = api.coded?.code === 'guard.refused' ? api.coded : undefined;
        assignMessage(n, refusal ? coded(refusal) : api.message);
        await this.pause(
          run,
          refusal
            ? { code: 'maintenance.paused.guard', params: refusal.params }
            : { code: 'maintenance.paused.refused', params: { detail: api.message } },
        );
        return;
      }
      throw e;
    }
    const intent = await this.audited(run, n, 'maintenance.cordon', {});
    try {
      const w = await ops.cordon(
        r.actor,
        n.cluster,
        n.name,
        { reason: `maintenance ${r.job.id}` },
        {
          skipGuard: true,
          signal: r.signal,
        },
      );
      await intent.complete({
        outcome: 'success',
        results: [{ cluster: n.cluster, name: n.name, outcome: w.changed ? 'ok' : 'unchanged' }],
      });
    } catch (e) {
      const msg = (e as Error).message;
      await intent.complete({
        outcome: 'failure',
        message: msg,
        results: [{ cluster: n.cluster, name: n.name, outcome: 'failed', message: msg }],
      });
      if (r.signal.aborted) throw new Stopped();
      return this.fail(run, n, { code: 'maintenance.node.cordonFailed', params: { detail: msg } });
    }
    await this.enter(run, n, 'drain');
  }

  private async drain(run: Run, n: Run['nodes'][number]): Promise<void> {
    const { ops, clock } = this.deps;
    const { r, params } = run;
    const client = ops.client(n.cluster);
    let gateOn: GateObjectRef[];
    try {
      // Collected before the evictions (and merged with what an earlier attempt collected): once evicted,
      // the pods and so their owners are no longer on the node to be found.
      const pods = await listNodePods(client, n.name, params.drain.podSelector, r.signal);
      const decided = await classifyPods(client, pods, params.drain, new Date(clock.now()), r.signal);
      const removed = decided.filter((d) => d.action === 'evict' || d.action === 'delete');
      gateOn = mergeRefs(n.gateOn, await gateObjectsOf(client, removed, r.signal));
    } catch (e) {
      if (r.signal.aborted) throw new Stopped();
      return this.fail(run, n, { code: 'maintenance.node.readFailed', params: { detail: kubeErrorText(e) } });
    }
    await this.enter(run, n, 'drain', undefined, { gateOn });
    const intent = await this.audited(run, n, 'maintenance.drain', { drain: params.drain });
    try {
      const d = await ops.drain(r.actor, n.cluster, n.name, params.drain, {
        signal: r.signal,
        onProgress: (p) => {
          assignMessage(n, coded(drainProgressMessage(p)));
          r.publish();
        },
      });
      await intent.complete({
        outcome: 'success',
        message: d.message,
        results: [{ cluster: n.cluster, name: n.name, outcome: 'ok', message: d.message }],
      });
    } catch (e) {
      const msg = (e as Error).message;
      const stopped = r.signal.aborted || (e instanceof DrainError && e.kind === 'cancelled');
      await intent.complete({
        outcome: 'failure',
        message: stopped ? `stopped: ${msg}` : msg,
        results: [{ cluster: n.cluster, name: n.name, outcome: 'failed', message: msg }],
      });
      if (stopped) throw new Stopped();
      return this.fail(run, n, { code: 'maintenance.node.drainFailed', params: { detail: msg } });
    }
    await this.enter(run, n, 'gate');
  }

  private async gate(run: Run, n: Run['nodes'][number]): Promise<void> {
    const { r, params } = run;
    const client = this.deps.ops.client(n.cluster);
    const checks = await readGate(client, n.gateOn, r.signal).catch((e: unknown) => {
      if (r.signal.aborted) throw new Stopped();
      throw e;
    });
    n.gate = checks;
    const waiting = checks.filter((c) => !c.ready);
    const waitingFor = waiting.map((c) => c.text).join('; ');
    assignMessage(
      n,
      coded(
        waiting.length
          ? { code: 'maintenance.gate.waiting', params: { count: waiting.length, waiting: waitingFor } }
          : { code: 'maintenance.gate.recovered', params: {} },
      ),
    );
    r.publish();
    if (gateOpen(checks)) {
      const hold = params.hold.mode;
      return this.enter(
        run,
        n,
        'hold',
        hold === 'operator'
          ? { code: 'maintenance.hold.operator', params: {} }
          : hold === 'reboot'
            ? { code: 'maintenance.hold.reboot', params: {} }
            : undefined,
        { sawNotReady: false },
      );
    }
    const since = Date.parse(n.stepStartedAt ?? this.now());
    if (this.deps.clock.now() - since >= params.gateTimeoutSeconds * 1000) {
      await this.pause(run, {
        code: 'maintenance.paused.gateTimeout',
        params: {
          cluster: n.cluster,
          node: n.name,
          seconds: params.gateTimeoutSeconds,
          waiting: waitingFor,
        },
      });
      return;
    }
    await this.sleep(run);
  }

  private async hold(run: Run, n: Run['nodes'][number]): Promise<void> {
    const { r, params } = run;
    const next = () => (params.uncordon ? this.enter(run, n, 'uncordon') : this.finish(run, n));
    const mode = params.hold.mode;
    if (mode === 'none') return next();
    if ((await this.deps.state.doneRequested(r.job.id)).has(n.seq)) {
      n.doneRequested = true;
      return next();
    }
    if (mode === 'duration') {
      const until = Date.parse(n.stepStartedAt ?? this.now()) + (params.hold.seconds ?? 0) * 1000;
      const left = until - this.deps.clock.now();
      if (left <= 0) return next();
      assignMessage(
        n,
        coded({ code: 'maintenance.hold.until', params: { until: new Date(until).toISOString() } }),
      );
    }
    if (mode === 'reboot') {
      const s = (await this.deps.ops.nodes.getNode(n.cluster, n.name))?.status;
      if (s && s !== 'Ready' && !n.sawNotReady) {
        await this.deps.state.updateNode(r.job.id, n.seq, { sawNotReady: true }, this.now());
        n.sawNotReady = true;
        assignMessage(n, coded({ code: 'maintenance.hold.rebooting', params: {} }));
        r.publish();
      } else if (s === 'Ready' && n.sawNotReady) {
        return next();
      }
    }
    await this.sleep(run);
  }

  private async uncordon(run: Run, n: Run['nodes'][number]): Promise<void> {
    const { r } = run;
    const intent = await this.audited(run, n, 'maintenance.uncordon', {});
    try {
      const w = await this.deps.ops.uncordon(r.actor, n.cluster, n.name, r.signal, true);
      await intent.complete({
        outcome: 'success',
        results: [{ cluster: n.cluster, name: n.name, outcome: w.changed ? 'ok' : 'unchanged' }],
      });
    } catch (e) {
      const msg = (e as Error).message;
      await intent.complete({
        outcome: 'failure',
        message: msg,
        results: [{ cluster: n.cluster, name: n.name, outcome: 'failed', message: msg }],
      });
      if (r.signal.aborted) throw new Stopped();
      return this.fail(run, n, { code: 'maintenance.node.uncordonFailed', params: { detail: msg } });
    }
    await this.finish(run, n);
  }

  private async finish(run: Run, n: Run['nodes'][number]): Promise<void> {
    const waited: CodedMessage = { code: 'maintenance.node.done', params: { objects: n.gateOn.length } };
    await this.enter(run, n, 'done', waited);
    await run.r.setNode(n.seq, 'ok', coded(waited));
  }
}

/**
 * Single-node operations: cordon, uncordon, labels, taints, template contents, drain preview and drain
 * execution. Permission rules that depend on the request (system label keys, the guard override) are
 * enforced here so routes and batch jobs share them; validation of raw input is validation.ts's.
 */
import { ApiError, forbidden, notFound } from '../errors.js';
import { actingIdentity } from '../auth/identity.js';
import type { KubeClient } from '../kube/client.js';
import { isKubeError } from '../kube/errors.js';
import { kubeErrorText, missingPermission } from '../kube/forbidden.js';
import { nodeOperations } from '../metrics/registry.js';
import { Drainer, type DrainPreview, type DrainProgress, type DrainResult } from './drain.js';
import { previewDrain } from './drain-preview.js';
import { enforceGuard, type GuardDetails } from './guard.js';
import type { Actor } from './actor.js';
import type { LabelChanges, NodeIntent, TemplateContent } from './intent.js';
import type { KubeNode } from '../kube/types.js';
import { systemClock, type Clock } from '../clock.js';
import type { ClusterClients, NodeSource } from './ports.js';
import {
  isSystemKey,
  validateNodeName,
  type CordonParams,
  type DrainOptions,
  type LabelsIntent,
  type TaintsIntent,
} from './validation.js';
import { writeNodeIntent, type WriteDeps } from './write.js';

export interface NodeWriteAnswer {
  /** The node as our API shows it (NodeRow), read-your-writes. */
  node: unknown;
  changed: boolean;
}

export interface OperationsDeps {
  clients: ClusterClients;
  nodes: NodeSource;
  guardMinSchedulable: number;
  clock?: Clock;
  random?: () => number;
  write?: Pick<WriteDeps, 'maxAttempts' | 'baseBackoffMs' | 'maxBackoffMs'>;
  drain?: { evictRetryDelayMs?: number; pollIntervalMs?: number };
  /** Nodes running cordon/drain jobs will still take out, per cluster (the guard counts them). */
  reservedByJobs?: (cluster: string) => ReadonlySet<string> | Promise<ReadonlySet<string>>;
  /**
   * Takes a single-node cordon's guard decision in turn with job admissions (JobRunner.admitSingle): `decide`
   * gets the nodes already spoken for, and the cordoned nodes stay spoken for until the returned release.
   */
  admitGuarded?: (
    cluster: string,
    names: readonly string[],
    decide: (reserved: ReadonlySet<string>) => Promise<unknown>,
  ) => Promise<() => void>;
  /** Refuses (409) a write outside any job to a node a maintenance plan is working on (JobRunner.refuseHeld). */
  refuseHeld?: (cluster: string, name: string) => Promise<void>;
}

export const mayOverrideSystemLabels = (a: Pick<Actor, 'role' | 'canOverrideSystemLabels'>) =>
  a.role === 'admin' || (a.role === 'operator' && a.canOverrideSystemLabels);

export const mayDisableEviction = (a: Pick<Actor, 'role' | 'canDisableEviction'>) =>
  a.role === 'admin' || (a.role === 'operator' && a.canDisableEviction === true);

/**
 * Deleting pods instead of evicting them bypasses every PodDisruptionBudget, the one promise drain makes: it
 * is a grant like the guard override, refused (403) to anyone without it, preview included.
 */
export function checkDisableEviction(actor: Actor, opts: { disableEviction: boolean }): void {
  if (!opts.disableEviction || mayDisableEviction(actor)) return;
  throw forbidden(
    'disableEviction deletes pods instead of evicting them, bypassing PodDisruptionBudgets; it needs the admin ' +
      'role or an operator with the disable-eviction grant. Drain without it (evictions respect the budgets).',
  );
}

/** 403 unless system keys are both asked for explicitly and allowed for this user. */
export function checkSystemLabels(actor: Actor, changes: LabelChanges, allowSystem: boolean): void {
  const keys = [...Object.keys(changes.set), ...changes.remove].filter(isSystemKey);
  if (keys.length === 0) return;
  const list = keys.map((k) => `"${k}"`).join(', ');
  if (!allowSystem) {
    throw forbidden(
      `label key(s) ${list} are reserved for Kubernetes (kubernetes.io / k8s.io prefixes); changing them can break ` +
        `scheduling or node management. Resend with "allowSystem": true if this is intended (needs admin or the system-labels grant).`,
    );
  }
  if (!mayOverrideSystemLabels(actor)) {
    throw forbidden(
      `changing Kubernetes-reserved label key(s) ${list} needs the admin role or an operator with the system-labels grant`,
    );
  }
}

export class NodeOperations {
  readonly clock: Clock;

  constructor(private readonly deps: OperationsDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  get guardMinSchedulable(): number {
    return this.deps.guardMinSchedulable;
  }

  get nodes(): NodeSource {
    return this.deps.nodes;
  }

  /** With `actor`, a cluster that acts as the signed-in user receives the request as that user. */
  client(cluster: string, actor?: Actor): KubeClient {
    const c = this.deps.clients.client(cluster, actor && actingIdentity(actor));
    if (!c) throw notFound(`cluster "${cluster}" not found`);
    return c;
  }

  /** 404 for an unknown cluster or node (from the live view, no API call). */
  async requireNode(cluster: string, name: string): Promise<void> {
    this.client(cluster);
    validateNodeName(name, 'name');
    if (!(await this.deps.nodes.getNode(cluster, name)))
      throw notFound(`node "${name}" not found in cluster "${cluster}"`);
  }

  /** `reserved`: nodes running jobs will still take out (default: what `reservedByJobs` reports). */
  async guard(
    actor: Actor,
    cluster: string,
    names: string[],
    override: boolean,
    operation: string,
    reserved?: ReadonlySet<string>,
  ): Promise<GuardDetails> {
    return enforceGuard(this.deps.nodes, cluster, names, {
      minimumShare: this.deps.guardMinSchedulable,
      override,
      actor,
      operation,
      reserved: reserved ?? (await this.deps.reservedByJobs?.(cluster)),
    });
  }

  private writeDeps(signal?: AbortSignal): WriteDeps {
    return { clock: this.clock, random: this.deps.random, signal, ...this.deps.write };
  }

  /** The live view's copy of the node for intents that do not rewrite the taint list (see NodeSource). */
  private async viewOf(cluster: string, name: string, intent: NodeIntent): Promise<KubeNode | undefined> {
    if (
      !this.deps.nodes.nodeObject ||
      intent.kind === 'taints' ||
      (intent.kind === 'template' && intent.taints)
    )
      return undefined;
    try {
      return await this.deps.nodes.nodeObject(cluster, name);
    } catch {
      return undefined;
    }
  }

  /** Applies one intent to one node, for `actor`; `operation` labels metrics. */
  async write(
    actor: Actor | undefined,
    cluster: string,
    name: string,
    intent: NodeIntent,
    signal?: AbortSignal,
  ): Promise<NodeWriteAnswer> {
    validateNodeName(name, 'name');
    const client = this.client(cluster, actor);
    try {
      const base = await this.viewOf(cluster, name, intent);
      const r = await writeNodeIntent(client, name, intent, { ...this.writeDeps(signal), base });
      const row = this.deps.nodes.applyLocalWrite(cluster, r.node);
      nodeOperations.inc({ operation: intent.kind, outcome: r.changed ? 'changed' : 'unchanged' });
      return { node: row, changed: r.changed };
    } catch (e) {
      nodeOperations.inc({ operation: intent.kind, outcome: 'failed' });
      throw mapNodeError(e, cluster, name);
    }
  }

  /**
   * A write outside any job (the single-node endpoints) to a node a maintenance plan is working on is refused
   * like a job's; a job's own writes (`admitted`) were checked when the job was admitted.
   */
  private async unlessHeld(cluster: string, name: string, admitted: boolean): Promise<void> {
    if (!admitted) await this.deps.refuseHeld?.(cluster, name);
  }

  /** `skipGuard`: a job admitted this cordon (its guard and the plans' holds were checked then). */
  async cordon(
    actor: Actor,
    cluster: string,
    name: string,
    params: CordonParams,
    opts: { override?: boolean; signal?: AbortSignal; skipGuard?: boolean } = {},
  ): Promise<NodeWriteAnswer> {
    const write = () =>
      this.write(
        actor,
        cluster,
        name,
        { kind: 'cordon', reason: params.reason, by: actor.username },
        opts.signal,
      );
    if (opts.skipGuard) return write();
    await this.requireNode(cluster, name);
    await this.unlessHeld(cluster, name, false);
    const decide = (reserved?: ReadonlySet<string>) =>
      this.guard(actor, cluster, [name], opts.override ?? false, 'cordon', reserved);
    if (!this.deps.admitGuarded) {
      await decide();
      return write();
    }
    // The guard's answer and the write cannot be one atomic step against the API server; what is covered is
    // that two decisions in this process (this cordon and a job admission or another single cordon) never
    // both count the same free capacity: the node stays reserved from the decision until its write has
    // landed in the node source, from which on the guard sees it cordoned — or until the write fails.
    const release = await this.deps.admitGuarded(cluster, [name], decide);
    try {
      return await write();
    } finally {
      release();
    }
  }

  async uncordon(
    actor: Actor,
    cluster: string,
    name: string,
    signal?: AbortSignal,
    admitted = false,
  ): Promise<NodeWriteAnswer> {
    await this.unlessHeld(cluster, name, admitted);
    return this.write(actor, cluster, name, { kind: 'uncordon' }, signal);
  }

  async labels(
    actor: Actor,
    cluster: string,
    name: string,
    intent: LabelsIntent,
    signal?: AbortSignal,
    admitted = false,
  ): Promise<NodeWriteAnswer> {
    checkSystemLabels(actor, intent, intent.allowSystem);
    await this.unlessHeld(cluster, name, admitted);
    return this.write(
      actor,
      cluster,
      name,
      { kind: 'labels', labels: { set: intent.set, remove: intent.remove } },
      signal,
    );
  }

  async taints(
    actor: Actor,
    cluster: string,
    name: string,
    intent: TaintsIntent,
    signal?: AbortSignal,
    admitted = false,
  ): Promise<NodeWriteAnswer> {
    await this.unlessHeld(cluster, name, admitted);
    return this.write(actor, cluster, name, { kind: 'taints', taints: intent }, signal);
  }

  async template(
    actor: Actor,
    cluster: string,
    name: string,
    tpl: TemplateContent,
    signal?: AbortSignal,
    admitted = false,
  ): Promise<NodeWriteAnswer> {
    if (tpl.labels) checkSystemLabels(actor, tpl.labels, tpl.labels.allowSystem ?? false);
    await this.unlessHeld(cluster, name, admitted);
    return this.write(
      actor,
      cluster,
      name,
      {
        kind: 'template',
        ...(tpl.labels ? { labels: { set: tpl.labels.set, remove: tpl.labels.remove } } : {}),
        ...(tpl.taints ? { taints: tpl.taints } : {}),
      },
      signal,
    );
  }

  async previewDrain(
    cluster: string,
    name: string,
    opts: DrainOptions,
    signal?: AbortSignal,
    actor?: Actor,
  ): Promise<DrainPreview> {
    validateNodeName(name, 'name');
    const client = this.client(cluster, actor);
    try {
      await client.request({ path: `/api/v1/nodes/${encodeURIComponent(name)}`, signal });
      return await previewDrain(client, name, opts, { clock: this.clock, signal });
    } catch (e) {
      throw mapNodeError(e, cluster, name);
    }
  }

  /** The drain itself (no guard: the job that runs it checked the guard when it was accepted). */
  async drain(
    actor: Actor,
    cluster: string,
    name: string,
    opts: DrainOptions,
    run: { signal?: AbortSignal; onProgress?: (p: DrainProgress) => void } = {},
  ): Promise<DrainResult> {
    validateNodeName(name, 'name');
    const client = this.client(cluster, actor);
    try {
      const drainer = new Drainer(client, name, opts, {
        clock: this.clock,
        signal: run.signal,
        onProgress: run.onProgress,
        ...this.deps.drain,
      });
      const r = await drainer.runNodeDrain(() =>
        this.write(
          actor,
          cluster,
          name,
          { kind: 'cordon', reason: opts.reason ?? 'drain', by: actor.username },
          run.signal,
        ),
      );
      nodeOperations.inc({ operation: 'drain', outcome: 'changed' });
      return r;
    } catch (e) {
      nodeOperations.inc({ operation: 'drain', outcome: 'failed' });
      throw mapNodeError(e, cluster, name);
    }
  }
}

/** A missing node is our 404 with a clear message; other Kubernetes errors map at the API edge. */
export function mapNodeError(e: unknown, cluster: string, name: string): unknown {
  if (isKubeError(e, 'NotFound')) {
    return notFound(`node "${name}" not found in cluster "${cluster}"`);
  }
  if (isKubeError(e, 'Forbidden')) {
    const missing = missingPermission(e);
    return new ApiError(
      403,
      'Forbidden',
      `cluster "${cluster}" refused: ${kubeErrorText(e)}`,
      undefined,
      missing ? { missing } : undefined,
    );
  }
  return e;
}

// Shared setup for node-operation tests: a simulated cluster, clients on it, the operation services over a
// direct NodeSource, and an in-memory store with the product's migrations.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSim, type SimServer } from '../../src/sim/index.js';
import { HttpKubeClient, kubeConfigFromText, type KubeClient } from '../../src/kube/client.js';
import { openStore, type Store } from '../../src/store/index.js';
import {
  DirectNodeSource,
  JobRunner,
  NodeOperations,
  TemplateStore,
  scaledClock,
  type Actor,
  type AuditSink,
  type Clock,
  type ClusterClients,
  type Job,
  type JobPublisher,
} from '../../src/operations/index.js';
import type { AuditRecord } from '../../src/audit/log.js';

export const admin: Actor = {
  username: 'alice',
  role: 'admin',
  clusters: null,
  canOverrideGuard: true,
  canOverrideSystemLabels: true,
};
export const operator: Actor = {
  username: 'oscar',
  role: 'operator',
  clusters: null,
  canOverrideGuard: false,
  canOverrideSystemLabels: false,
};

export function readyNode(
  name: string,
  extra: { labels?: Record<string, string>; unschedulable?: boolean; ready?: boolean } = {},
) {
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(extra.labels ?? {}) } },
    spec: extra.unschedulable ? { unschedulable: true } : {},
    status: {
      conditions: [
        {
          type: 'Ready',
          status: extra.ready === false ? 'False' : 'True',
          reason: 'KubeletReady',
          lastTransitionTime: '2024-01-01T00:00:00Z',
        },
      ],
      addresses: [{ type: 'InternalIP', address: '10.0.0.1' }],
    },
  };
}

export interface PodSpec {
  ns?: string;
  name: string;
  node: string;
  owner?: { kind: string; name: string } | null;
  emptyDir?: boolean;
  mirror?: boolean;
  phase?: 'Running' | 'Succeeded' | 'Failed' | 'Pending';
  labels?: Record<string, string>;
  grace?: number;
}

export function pod(p: PodSpec) {
  const phase = p.phase ?? 'Running';
  return {
    metadata: {
      name: p.name,
      namespace: p.ns ?? 'default',
      labels: p.labels ?? {},
      ...(p.mirror ? { annotations: { 'kubernetes.io/config.mirror': 'abc123' } } : {}),
      ...(p.owner
        ? {
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: p.owner.kind,
                name: p.owner.name,
                uid: `uid-${p.owner.name}`,
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: {
      nodeName: p.node,
      terminationGracePeriodSeconds: p.grace ?? 30,
      containers: [{ name: 'c', image: 'busybox' }],
      ...(p.emptyDir ? { volumes: [{ name: 'scratch', emptyDir: {} }] } : {}),
    },
    status: {
      phase,
      conditions: [{ type: 'Ready', status: phase === 'Running' ? 'True' : 'False' }],
    },
  };
}

export class RecordingPublisher implements JobPublisher {
  readonly published: Job[] = [];
  publishJob(job: Job): void {
    this.published.push(job);
  }
}

export class RecordingAudit implements AuditSink {
  readonly entries: AuditRecord[] = [];
  record(e: AuditRecord): void {
    this.entries.push(e);
  }
}

export interface Fixture {
  sim: SimServer;
  client: KubeClient;
  clients: ClusterClients;
  nodes: DirectNodeSource;
  ops: NodeOperations;
  clock: Clock;
  newClient(): KubeClient;
  close(): Promise<void>;
}

/** Time runs 1000× faster inside operations: kubectl's 5 s PDB back-off is 5 ms here. */
export const TIME_SCALE = 0.001;

export async function simFixture(
  o: { nodes?: number; guard?: number; gracePeriodScale?: number; cluster?: string } = {},
): Promise<Fixture> {
  const sim = await startSim({
    nodes: 0,
    podsPerNode: 0,
    seed: 1,
    churn: false,
    gracePeriodScale: o.gracePeriodScale ?? 0.001,
  });
  const name = o.cluster ?? 'c1';
  const made: KubeClient[] = [];
  const newClient = () => {
    const c = new HttpKubeClient(name, kubeConfigFromText(sim.kubeconfig()));
    made.push(c);
    return c;
  };
  const client = newClient();
  const clients: ClusterClients = { client: (c) => (c === name ? client : undefined) };
  for (let i = 0; i < (o.nodes ?? 0); i++)
    sim.state.createNode(readyNode(`node-${String(i).padStart(4, '0')}`));
  const nodes = new DirectNodeSource(clients, 0);
  const clock = scaledClock(TIME_SCALE);
  const ops = new NodeOperations({
    clients,
    nodes,
    guardMinSchedulable: o.guard ?? 0.7,
    clock,
    write: { baseBackoffMs: 10 },
  });
  return {
    sim,
    client,
    clients,
    nodes,
    ops,
    clock,
    newClient,
    async close() {
      for (const c of made) c.close();
      await sim.close();
    },
  };
}

export async function memoryStore(): Promise<{ store: Store; file: string; dispose(): void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knm-ops-'));
  const file = path.join(dir, 'knm.sqlite');
  const store = await openStore({ dataDir: dir, databaseUrl: `sqlite:${file}` });
  return { store, file, dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export function runner(
  f: Fixture,
  store: Store,
  extra: Partial<ConstructorParameters<typeof JobRunner>[0]> = {},
): JobRunner {
  return new JobRunner({
    db: store.db,
    ops: f.ops,
    templates: new TemplateStore(store.db),
    clock: f.clock,
    publishIntervalMs: 20,
    ...extra,
  });
}

/** Polls a condition (no fixed sleeps as synchronisation); fails after `timeoutMs`. */
export async function until<T>(
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

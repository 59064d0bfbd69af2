/**
 * What node operations need from the rest of the product, as small interfaces. The live cache, the realtime
 * hub, the cluster registry and the audit log implement them; tests use the simulator plus direct reads
 * (direct-node-source.ts). Nothing here knows about HTTP.
 */
import type { KubeClient } from '../kube/client.js';
import type { ActingIdentity } from '../auth/identity.js';
import type { AuditCompletion, AuditRecord } from '../audit/log.js';
import type { KubeNode } from '../kube/types.js';
import type { Job } from './job-types.js';

/** The little a guard or a target check needs to know about one node. */
export interface NodeSummary {
  name: string;
  status: 'Ready' | 'NotReady' | 'Unknown';
  unschedulable: boolean;
}

export interface ReadyStats {
  /** Nodes whose Ready condition is True. */
  ready: number;
  /** Of those, the ones not cordoned. */
  readySchedulable: number;
}

export interface NodeSource {
  /** undefined = no such node in that cluster. */
  getNode(cluster: string, name: string): Promise<NodeSummary | undefined> | NodeSummary | undefined;
  /** Names of the cluster's nodes matching a (validated) Kubernetes label selector. */
  resolveSelector(cluster: string, selector: string): Promise<string[]> | string[];
  readyStats(cluster: string): Promise<ReadyStats> | ReadyStats;
  /**
   * Optional: the node as last seen by the live view (metadata.labels, metadata.annotations,
   * metadata.resourceVersion, spec.unschedulable), without an API call. When given, cordon/uncordon/label
   * writes plan their first attempt on it (the resourceVersion test still guards the write), saving one GET
   * per node; taint writes always read fresh because the live view does not keep taints' timeAdded.
   */
  nodeObject?(cluster: string, name: string): Promise<KubeNode | undefined> | KubeNode | undefined;
  /**
   * Called with the object the API server returned after each successful write, so the next read through
   * our API shows it before the watch event arrives. Returns the node as the API shows it (NodeRow).
   */
  applyLocalWrite(cluster: string, node: KubeNode): unknown;
}

export interface ClusterClients {
  /**
   * undefined = unknown cluster (→ 404). With `actingFor`, a cluster that acts as the signed-in user gets
   * every request through the returned client as that user (impersonation); without it, as the product.
   */
  client(cluster: string, actingFor?: ActingIdentity): KubeClient | undefined;
}

export interface JobPublisher {
  publishJob(job: Job): void;
}

export interface AuditSink {
  record(entry: AuditRecord): Promise<unknown> | unknown;
  /**
   * Records a change's intent (outcome `pending`) before it is sent and returns its id; throws when the store
   * cannot take it. A sink without it gets one complete entry once the change is done (see audit-intent.ts).
   */
  begin?(entry: Omit<AuditRecord, 'outcome' | 'status' | 'results'>): Promise<string>;
  /** Completes an intent with its result. */
  complete?(id: string, result: AuditCompletion): Promise<unknown>;
}

/** Node shapes served by the API (docs/API.md "Nodes") and the trimmed record the cache retains. */
import type { NodeCondition, Taint } from '../kube/types.js';
import type { NodeResourceShares } from '../usage/types.js';

export type { NodeResourceShares } from '../usage/types.js';
export type { NodeCondition, Taint, TaintEffect } from '../kube/types.js';
export type NodeStatus = 'Ready' | 'NotReady' | 'Unknown';

export interface NodeAddress {
  type: string;
  address: string;
}

export type Resources = {
  cpu?: string;
  memory?: string;
  pods?: string;
  gpu?: string;
  [res: string]: string | undefined;
};

export interface CordonInfo {
  reason?: string;
  by?: string;
  at?: string;
}

/**
 * Resource shares (NodeResourceShares) are live values like podCount: null when unknown, never 0. The server
 * always sends them; they are optional in the type so a reader of an older server's rows must handle absence.
 */
export interface NodeRow extends Partial<NodeResourceShares> {
  cluster: string;
  name: string;
  uid: string;
  resourceVersion: string;
  status: NodeStatus;
  schedulable: boolean;
  unschedulable: boolean;
  cordon?: CordonInfo;
  roles: string[];
  internalIP?: string;
  externalIP?: string;
  hostname?: string;
  labels: Record<string, string>;
  taints: Taint[];
  capacity: Resources;
  allocatable: Resources;
  podCount: number | null;
  kubeletVersion?: string;
  osImage?: string;
  kernelVersion?: string;
  containerRuntime?: string;
  architecture?: string;
  createdAt: string;
  conditions: NodeCondition[];
}

export interface NodeDetail extends NodeRow {
  annotations: Record<string, string>;
  addresses: NodeAddress[];
  systemInfo: Record<string, string>;
  podCIDRs?: string[];
  providerID?: string;
}

/**
 * What the cache keeps per node: everything NodeDetail shows except the cluster name and the live pod count,
 * with derived fields (status, roles, IPs) computed once per change rather than per query. A visible change
 * produces a new record; an update that changes nothing shown (a kubelet heartbeat) only advances
 * `resourceVersion` in place, so heartbeats leave no long-lived garbage behind. Rows and details handed out
 * are copies and never change underneath their reader.
 */
export interface NodeRecord {
  readonly name: string;
  readonly uid: string;
  /** The one field updated in place (heartbeat-only updates). */
  resourceVersion: string;
  readonly createdAt: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly unschedulable: boolean;
  readonly taints: readonly Taint[];
  readonly conditions: readonly NodeCondition[];
  readonly addresses: readonly NodeAddress[];
  readonly capacity: Readonly<Resources>;
  readonly allocatable: Readonly<Resources>;
  readonly systemInfo: Readonly<Record<string, string>>;
  readonly podCIDRs?: readonly string[];
  readonly providerID?: string;
  readonly status: NodeStatus;
  readonly roles: readonly string[];
  readonly internalIP?: string;
  readonly externalIP?: string;
  readonly hostname?: string;
}

export const CORDON_REASON = 'nodes.knm.io/cordon-reason';
export const CORDONED_BY = 'nodes.knm.io/cordoned-by';
export const CORDONED_AT = 'nodes.knm.io/cordoned-at';

export type PodCountSource = 'index' | 'list' | 'none';

/** Shapes of the HTTP/WebSocket contract (docs/API.md) as the console reads them. */

// Node shapes and the job and drain vocabularies are the server's own: these modules hold types only (and
// job-types a few constant lists), so nothing else of the server is bundled, and a field or code added
// there reaches the console without a second copy to keep in step.
import type {
  NodeCondition,
  NodeDetail as ServedNodeDetail,
  NodeRow as ServedNodeRow,
  NodeStatus,
  Resources,
  Taint,
} from '../../../src/cache/types';
import type { DrainOptions, PodAction, PodCause } from '../../../src/operations/drain-types';
import type { PodResources } from '../../../src/usage/pod-resources';
import type { PodWorkload } from '../../../src/cache/pod-workload';
import type { ClusterUsageStatus, NodeLiveValues, NodeUsageHistory } from '../../../src/usage/types';
import type {
  Job as ServedJob,
  JobNodeStatus,
  JobOperation,
  JobStatus,
  JobTarget,
} from '../../../src/operations/job-types';
import type { ClusterInfo, ClusterState } from '../../../src/clusters/types';
import type { EventSummary } from '../../../src/cache/event-types';
import type { NodeQueryResult } from '../../../src/cache/query-types';
import type { Role } from '../../../src/auth/identity';
import type { MeUser, UserView } from '../../../src/auth/user-types';
import type { AuditEntry, AuditPage } from '../../../src/audit/types';
import type {
  NodeChangePreview as TemplateNodePreview,
  TemplatePreview,
} from '../../../src/operations/template-preview-types';
import type {
  JobDeltaMessage,
  JobGapMessage,
  JobsSubscribedMessage,
} from '../../../src/realtime/job-delta-types';

export type {
  ClusterInfo,
  Role,
  ClusterState,
  DrainOptions,
  EventSummary,
  JobNodeStatus,
  JobOperation,
  JobStatus,
  JobTarget,
  NodeCondition,
  NodeStatus,
  Resources,
  Taint,
  TemplateNodePreview,
  TemplatePreview,
};

/** /me answers the signed-in user; /users lists users with where each account comes from and when it changed. */
export type User = MeUser & Partial<Omit<UserView, keyof MeUser>>;

export interface MeAnswer {
  user: User;
  csrfToken: string;
}

export interface ApiToken {
  id: string;
  name: string;
  role: Role;
  /** The clusters the token is narrowed to; null = whatever its owner can see. */
  clusters?: string[] | null;
  userId?: string;
  username?: string;
  createdAt?: string;
  expiresAt?: string | null;
  lastUsedAt?: string | null;
}

export type { ClusterUsageStatus, NodeUsageHistory, PodResources };

export interface KubeContext {
  name: string;
  cluster: string;
  server: string;
  user: string;
}

/** Rows gain `key` (`cluster/name`, the table's row key) when they enter the console's store. */
export interface NodeRow extends ServedNodeRow {
  key?: string;
}

export interface NodeDetail extends ServedNodeDetail {
  key?: string;
}

/** GET /nodes: the served rows gain the console's `key` once they enter its store. */
export type NodeList = Omit<NodeQueryResult, 'items' | 'podCountSource'> & {
  items: NodeRow[];
  podCountSource?: NodeQueryResult['podCountSource'];
};

/** A pod on the node (direct API read, never cached). */
export interface PodSummary {
  namespace: string;
  name: string;
  uid?: string;
  phase: string;
  /** "ready/total" containers. */
  ready?: string;
  restarts?: number;
  ownerKind?: string;
  ownerName?: string;
  /** The Deployment behind a ReplicaSet owner, when known. */
  workload?: PodWorkload;
  podIP?: string;
  createdAt?: string;
  terminating?: boolean;
  priorityClassName?: string;
  qosClass?: string;
  /** Millicores and bytes; absent from older servers. */
  resources?: PodResources;
}

export type DrainAction = PodAction;
/** Why a pod gets its action, as a stable code (docs/API.md, DrainOptions). */
export type DrainCause = PodCause;

export interface DrainPreview {
  node: NodeRow | string;
  pods: { namespace: string; name: string; action: DrainAction; reason: string; cause?: DrainCause }[];
  wouldSucceed: boolean;
  /** With disableEviction: the PodDisruptionBudgets (namespace/name) the deletes would bypass. */
  bypassesBudgets?: string[];
}

/**
 * A job as the console holds it: job lists (GET /jobs) leave out `nodes`, and live deltas after the first leave
 * out `targets`; GET /jobs/{id} has both.
 */
export type Job = Omit<ServedJob, 'nodes' | 'targets'> & Partial<Pick<ServedJob, 'nodes' | 'targets'>>;

export interface LabelChange {
  set: Record<string, string>;
  remove: string[];
}

export interface TaintChange {
  add: Taint[];
  remove: { key: string; effect?: string }[];
}

export interface Template {
  id: string;
  name: string;
  description?: string;
  labels?: LabelChange;
  taints?: TaintChange;
  /** Who made it. */
  owner?: string;
  /** The clusters it may be applied to; null = every cluster. */
  clusters?: string[] | null;
  createdBy?: string;
  createdAt?: string;
  updatedAt?: string;
}

/** The audit log's entries and pages are the server's (src/audit/types.ts). */
export type { AuditEntry, AuditPage };

export interface GuardDetails {
  cluster?: string;
  readyNodes?: number;
  schedulableNow?: number;
  schedulableAfter?: number;
  minimumShare?: number;
  /** Nodes this request would newly make unschedulable. */
  takenOut?: number;
  /** Other nodes that running cordon/drain jobs will still take out. */
  reservedByJobs?: number;
}

/** WebSocket messages from the server. */
export type ServerMessage =
  | { type: 'hello'; user: unknown }
  | { type: 'snapshot'; cluster: string; version: number; items: NodeRow[] }
  | { type: 'node.added'; cluster: string; name: string; version: number; node: NodeRow }
  | {
      type: 'node.updated';
      cluster: string;
      name: string;
      version: number;
      changed?: string[];
      node: NodeRow;
    }
  | { type: 'node.deleted'; cluster: string; name: string; version: number }
  | { type: 'node.podCount'; cluster: string; name: string; version: number; podCount: number | null }
  /** Every node whose live values (pod count, resource shares) moved in one flush: a usage refresh. */
  | { type: 'nodes.resources'; cluster: string; version: number; items: NodeLiveValues[] }
  | { type: 'cluster.state'; cluster: string; state: ClusterInfo }
  | JobDeltaMessage
  | JobsSubscribedMessage
  | JobGapMessage
  | { type: 'resync'; cluster: string; reason: string }
  /** `cluster`: that cluster's own RBAC does not let the user see its nodes (acting as the signed-in user). */
  | { type: 'error'; message: string; cluster?: string }
  | { type: 'pong' };

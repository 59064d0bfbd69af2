// A rolling maintenance plan as the API shows it (docs/API.md "Maintenance"). Types and constant lists only,
// so the console shares them without bundling server code.
import type { MessageCodeFields } from '../../messages/codes.js';
import type { DrainOptions, PodAction, PodCause } from '../drain-types.js';

export const MAINTENANCE_ORDERS = ['given', 'zone', 'fewest-pods'] as const;
export type MaintenanceOrder = (typeof MAINTENANCE_ORDERS)[number];

export const HOLD_MODES = ['none', 'operator', 'duration', 'reboot'] as const;
export type HoldMode = (typeof HOLD_MODES)[number];

/** A node's place in the plan, in the order it goes through them. */
export const MAINTENANCE_STEPS = [
  'pending',
  'cordon',
  'drain',
  'gate',
  'hold',
  'uncordon',
  'done',
  'failed',
  'skipped',
  'cancelled',
] as const;
export type MaintenanceStep = (typeof MAINTENANCE_STEPS)[number];
export const FINAL_STEPS: readonly MaintenanceStep[] = ['done', 'failed', 'skipped', 'cancelled'];

/** Drain options as on a single drain (docs/API.md "Drain"). */
export type MaintenanceDrainOptions = DrainOptions;

export interface MaintenanceHold {
  mode: HoldMode;
  /** `duration`: how long the node is held after its gate opened. */
  seconds?: number;
}

/** A plan's parameters as validated and stored with its job. */
export interface MaintenanceParams {
  order: MaintenanceOrder;
  /** Nodes out at once: a count, or a share of the pool such as "25%" (at least one node). */
  maxUnavailable: number | string;
  drain: MaintenanceDrainOptions;
  hold: MaintenanceHold;
  /** Uncordon each node once its hold is over (default true). */
  uncordon: boolean;
  /** How long a recovery gate may stay closed before the plan pauses itself. */
  gateTimeoutSeconds: number;
  /** The plan pauses itself once this many nodes have failed. */
  maxFailedNodes: number;
  /** Cordon past the guard (admin or the guard-override grant); otherwise a refusal pauses the plan. */
  override: boolean;
}

/** A workload object a recovery gate waits on. */
export interface GateObjectRef {
  kind: 'Deployment' | 'ReplicaSet' | 'StatefulSet' | 'PodDisruptionBudget';
  namespace: string;
  name: string;
}

/** One object's state as the gate last read it. */
export interface GateCheck extends GateObjectRef {
  ready: boolean;
  /** Controllers: ready replicas and desired replicas. */
  readyReplicas?: number;
  replicas?: number;
  /** The controller has not yet observed its latest spec. */
  stale?: boolean;
  /** Budgets. */
  disruptionsAllowed?: number;
  currentHealthy?: number;
  desiredHealthy?: number;
  /** The object no longer exists (nothing to wait for). */
  gone?: boolean;
  /** Reading it failed; the gate stays closed and reads again. */
  error?: string;
  /** The same, in English words: "Deployment shop/web 4/6 ready", "PDB shop/web-pdb allows 0". */
  text: string;
}

/** `message` is the step's English sentence; `messageCode`/`messageParams` say it for the console to translate. */
export interface MaintenanceNodeState extends MessageCodeFields {
  cluster: string;
  name: string;
  /** 0-based wave. */
  wave: number;
  step: MaintenanceStep;
  stepStartedAt?: string;
  /** The workloads and budgets this node's gate waits on (collected before its pods are evicted). */
  gateOn: GateObjectRef[];
  /** The gate's last reading while this node is at the gate. */
  gate?: GateCheck[];
  /** `reboot` hold: the node has reported NotReady since its hold began. */
  sawNotReady?: boolean;
  /** An operator marked the node done (ends its hold). */
  doneRequested?: boolean;
  message?: string;
}

export interface MaintenanceProgress {
  paused: boolean;
  /** Why it paused: an operator, K failed nodes, a gate timeout, the guard. */
  pauseReason?: string;
  /** The same as a message code and its parameters (src/messages/codes.ts). */
  pauseReasonCode?: MessageCodeFields['messageCode'];
  pauseReasonParams?: MessageCodeFields['messageParams'];
  waves: number;
  /** The wave being worked on (0-based); equals `waves` when all are through. */
  currentWave: number;
  failedNodes: number;
  nodes: MaintenanceNodeState[];
}

/** Dry run of one node: its drain preview and what its gate will wait on. */
export interface MaintenancePreviewNode {
  cluster: string;
  name: string;
  zone?: string;
  pods?: number;
  drain?: {
    wouldSucceed: boolean;
    pods: { namespace: string; name: string; action: PodAction; reason: string; cause: PodCause }[];
  };
  /** The preview could not be taken (node unreachable…). */
  error?: string;
  gateOn: GateObjectRef[];
}

export interface MaintenancePreview {
  dryRun: true;
  params: MaintenanceParams;
  /** Nodes per wave. */
  waveSize: number;
  waves: MaintenancePreviewNode[][];
}

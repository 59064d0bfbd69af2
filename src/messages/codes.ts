/**
 * Stable codes for the sentences the server sends (job results per node, a job's own outcome, drain progress,
 * guard refusals, error answers). Each sentence keeps its English `message`; `messageCode` and
 * `messageParams` sit next to it so the console can say the same thing in the user's language, and a console
 * that does not know a code shows the English text. Types only: the server and the console both import it.
 *
 * A code is a promise: its meaning and parameters do not change. A new wording gets a new code.
 */

/** Parameters of each code. Numbers stay numbers so the console can format them for the locale. */
export interface MessageParamsByCode {
  /** A drain in progress. */
  'drain.progress': {
    evicted: number;
    total: number;
    terminating: number;
    gone: number;
    blocked: number;
    failed: number;
  };
  /** A drain that finished; `skipped` counts pods left on the node, `skippedDetail` names their causes. */
  'drain.done': { verb: 'evicted' | 'deleted'; removed: number; skipped: number; skippedDetail: string };
  /** A drain cancelled: what had already happened (accepted evictions go ahead). */
  'drain.cancelled': { removed: number; total: number; gone: number; terminating: number; left: number };
  /** A drain refused before it evicted anything; `detail` lists the pods in the way and why. */
  'drain.refused': { detail: string };
  /** A drain whose pods could not all be removed; `detail` is the cluster's own words. */
  'drain.failed': { failed: number; total: number; gone: number; detail: string };
  /** A node result that ended because the server was shutting down. */
  'job.node.shutdown': { detail: string };
  /** The node disappeared before the job reached it. */
  'job.node.gone': { detail: string };
  /** A node the job had not started when it was cancelled. */
  'job.node.notStarted': Record<string, never>;
  /** A node the job had not started when the server stopped. */
  'job.node.notStartedShutdown': Record<string, never>;
  /** A node in progress when the server stopped: its outcome is unknown. */
  'job.node.unknownOutcome': Record<string, never>;
  /** The job was cancelled (by a user named in `job.cancelledBy`, or without one known). */
  'job.cancelled': Record<string, never>;
  'job.cancelledBy': { user: string };
  /** The server stopped while the job ran. */
  'job.interrupted': { done: number; total: number };
  /** The safety guard refused: taking these nodes out would leave too few schedulable. */
  'guard.refused': {
    operation: string;
    cluster: string;
    schedulableAfter: number;
    schedulableNow: number;
    readyNodes: number;
    minimumPercent: number;
  };
  /** Another job is already draining this node. */
  'job.nodeDraining': { cluster: string; node: string; job: string };
  /** The node is in the current wave of a maintenance plan (servers before job.nodesInPlan said this). */
  'job.nodeInPlan': { cluster: string; node: string; job: string };
  /**
   * A job would change nodes a maintenance plan is working on. `nodes` names up to ten of them, `count` how
   * many of the request's nodes in `cluster` the plan holds, `more` how many of those `nodes` leaves out.
   */
  'job.nodesInPlan': PlanNodesParams;
  /** A new maintenance plan would reach nodes another live plan has not finished (same parameters). */
  'maintenance.overlap': PlanNodesParams;
  /** A maintenance plan could not order its nodes into waves when it started. */
  'maintenance.planFailed': { detail: string };
  /** A plan's node in progress, at `step` (a MaintenanceStep). */
  'maintenance.node.at': { step: string };
  'maintenance.node.cancelledBeforeStart': Record<string, never>;
  /** The plan's wave reached the node while another job still works on it: the plan waits for that job. */
  'maintenance.node.waitingForJob': { job: string };
  /** Cancelled mid-course: the node stays cordoned. */
  'maintenance.node.cancelledAt': { step: string };
  /** Something unforeseen (the store…) stopped the node's course at `step`. */
  'maintenance.node.stoppedAt': { step: string; detail: string };
  'maintenance.node.cordonFailed': { detail: string };
  /** Reading the node's pods and their controllers before the drain failed. */
  'maintenance.node.readFailed': { detail: string };
  'maintenance.node.drainFailed': { detail: string };
  'maintenance.node.uncordonFailed': { detail: string };
  /** The recovery gate is closed; `waiting` lists what it waits for, in English words per object. */
  'maintenance.gate.waiting': { count: number; waiting: string };
  'maintenance.gate.recovered': Record<string, never>;
  'maintenance.hold.operator': Record<string, never>;
  'maintenance.hold.reboot': Record<string, never>;
  /** A `duration` hold, ending at `until` (ISO time). */
  'maintenance.hold.until': { until: string };
  'maintenance.hold.rebooting': Record<string, never>;
  /** The node is through; its gate waited on `objects` workloads and budgets (0: nothing to wait for). */
  'maintenance.node.done': { objects: number };
  /** Why a plan paused: an operator. */
  'maintenance.paused.operator': { user: string };
  /** `failed` nodes failed, reaching the plan's limit. */
  'maintenance.paused.failures': { failed: number; limit: number };
  /** A recovery gate stayed closed past the plan's timeout. */
  'maintenance.paused.gateTimeout': { cluster: string; node: string; seconds: number; waiting: string };
  /** The guard refused a cordon (parameters as `guard.refused`). */
  'maintenance.paused.guard': MessageParamsByCode['guard.refused'];
  /** A cordon was refused otherwise (e.g. the cluster's permissions); `detail` is that refusal. */
  'maintenance.paused.refused': { detail: string };
  /** A request for a job that does not exist (or is not visible). */
  'job.notFound': { job: string };
  /** The job has already finished and cannot be cancelled. */
  'job.alreadyFinished': { job: string; status: string };
  /** The user has no access to the cluster. */
  'cluster.noAccess': { cluster: string };
}

/** The nodes of a refusal naming a maintenance plan. */
export interface PlanNodesParams {
  job: string;
  cluster: string;
  nodes: string;
  count: number;
  more: number;
}

export type MessageCode = keyof MessageParamsByCode;

/** A sentence as a code and its parameters. */
export type CodedMessage = {
  [C in MessageCode]: { code: C; params: MessageParamsByCode[C] };
}[MessageCode];

/** The wire fields that carry a code next to an English `message`. */
export interface MessageCodeFields {
  messageCode?: MessageCode;
  messageParams?: Record<string, string | number>;
}

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
  /** The node is in the current wave of a maintenance plan. */
  'job.nodeInPlan': { cluster: string; node: string; job: string };
  /** A request for a job that does not exist (or is not visible). */
  'job.notFound': { job: string };
  /** The job has already finished and cannot be cancelled. */
  'job.alreadyFinished': { job: string; status: string };
  /** The user has no access to the cluster. */
  'cluster.noAccess': { cluster: string };
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

/**
 * The English sentence of each message code. The server builds `message` from the same code and parameters it
 * sends, so the English text and the code can never say different things.
 */
import type { CodedMessage, MessageCodeFields, MessageParamsByCode, PlanNodesParams } from './codes.js';

const namedNodes = (p: PlanNodesParams) => (p.more ? `${p.nodes} and ${p.more} more` : p.nodes);

type Renderers = { [C in keyof MessageParamsByCode]: (p: MessageParamsByCode[C]) => string };

const EN: Renderers = {
  'drain.progress': (p) => {
    const parts = [`evicted ${p.evicted}/${p.total}`, `terminating ${p.terminating}`, `gone ${p.gone}`];
    if (p.blocked) parts.push(`${p.blocked} blocked by a PodDisruptionBudget`);
    if (p.failed) parts.push(`${p.failed} failed`);
    return parts.join(' · ');
  },
  'drain.done': (p) =>
    `drained: ${p.verb} ${p.removed} pod(s)${p.skipped ? `; skipped ${p.skipped} (${p.skippedDetail})` : ''}`,
  'drain.cancelled': (p) =>
    `cancelled: ${p.removed} of ${p.total} pods removed or on their way out (${p.gone} gone, ${p.terminating} ` +
    `still terminating after their eviction), ${p.left} left on the node; the node stays cordoned`,
  'drain.refused': (p) => `drain refused, nothing was evicted: ${p.detail}`,
  'drain.failed': (p) => `${p.failed} of ${p.total} pods were not removed (${p.gone} were): ${p.detail}`,
  'job.node.shutdown': (p) => `${p.detail} (the server was shutting down)`,
  'job.node.gone': (p) => `${p.detail} (it no longer exists)`,
  'job.node.notStarted': () => 'not started: the job was cancelled',
  'job.node.notStartedShutdown': () => 'not started: the server stopped before this node was processed',
  'job.node.unknownOutcome': () =>
    'in progress when the server stopped; the outcome is unknown — check the node',
  'job.cancelled': () => 'cancelled',
  'job.cancelledBy': (p) => `cancelled by ${p.user}`,
  'job.interrupted': (p) =>
    `interrupted: the server stopped while this job ran; ${p.done} of ${p.total} nodes had finished`,
  'guard.refused': (p) =>
    `${p.operation} refused: it would leave ${p.schedulableAfter} of ${p.readyNodes} Ready nodes in cluster ` +
    `"${p.cluster}" schedulable (${p.schedulableNow} now), below the minimum of ${p.minimumPercent}%. ` +
    `Resend with "override": true if this is intended (needs admin or the guard-override grant).`,
  'job.nodeDraining': (p) =>
    `node "${p.node}" in cluster "${p.cluster}" is already being drained by job ${p.job}`,
  'job.nodeInPlan': (p) =>
    `node "${p.node}" in cluster "${p.cluster}" is in the current wave of maintenance plan ${p.job}; ` +
    `wait until the plan has finished the node, or pause or abort the plan`,
  'job.nodesInPlan': (p) =>
    `maintenance plan ${p.job} is working on ${p.count} of these nodes in cluster "${p.cluster}" ` +
    `(${namedNodes(p)}); no other job may change them until the plan has finished them (uncordoned, or marked ` +
    `done and uncordoned). Wait for that, or abort the plan; a paused plan keeps its nodes`,
  'maintenance.overlap': (p) =>
    `maintenance plan ${p.job} has not finished ${p.count} of these nodes in cluster "${p.cluster}" ` +
    `(${namedNodes(p)}); two plans on one node would undo each other's steps. Wait until that plan has ` +
    `finished, or abort it`,
  'maintenance.planFailed': (p) => `the plan could not be made: ${p.detail}`,
  'maintenance.node.at': (p) => `at ${p.step}`,
  'maintenance.node.cancelledBeforeStart': () => 'cancelled before it started',
  'maintenance.node.waitingForJob': (p) => `waiting for job ${p.job} to finish this node before cordoning it`,
  'maintenance.node.cancelledAt': (p) => `cancelled at ${p.step}; the node stays cordoned`,
  'maintenance.node.stoppedAt': (p) => `stopped at ${p.step}: ${p.detail}`,
  'maintenance.node.cordonFailed': (p) => `cordon failed: ${p.detail}`,
  'maintenance.node.readFailed': (p) => `reading the node's pods and their owners failed: ${p.detail}`,
  'maintenance.node.drainFailed': (p) => `drain failed: ${p.detail}`,
  'maintenance.node.uncordonFailed': (p) => `uncordon failed: ${p.detail}`,
  'maintenance.gate.waiting': (p) => `waiting for ${p.waiting}`,
  'maintenance.gate.recovered': () => 'recovered',
  'maintenance.hold.operator': () => 'held until marked done',
  'maintenance.hold.reboot': () => 'held until the node reboots',
  'maintenance.hold.until': (p) => `held until ${p.until}`,
  'maintenance.hold.rebooting': () => 'rebooting: the node reported NotReady',
  'maintenance.node.done': (p) =>
    p.objects ? `gate waited on ${p.objects} object(s)` : 'nothing to wait for',
  'maintenance.paused.operator': (p) => `paused by ${p.user}`,
  'maintenance.paused.failures': (p) => `${p.failed} node(s) failed (the plan pauses at ${p.limit})`,
  'maintenance.paused.gateTimeout': (p) =>
    `recovery gate of node ${p.cluster}/${p.node} still closed after ${p.seconds} s: waiting for ${p.waiting}`,
  'maintenance.paused.guard': (p) => `guard: ${EN['guard.refused'](p)}`,
  'maintenance.paused.refused': (p) => `guard: ${p.detail}`,
  'job.notFound': (p) => `job "${p.job}" not found`,
  'job.alreadyFinished': (p) => `job ${p.job} already finished (${p.status})`,
  'cluster.noAccess': (p) => `you have no access to cluster "${p.cluster}"`,
};

export function englishText(m: CodedMessage): string {
  return (EN[m.code] as (p: unknown) => string)(m.params);
}

/** `message` in English with its code and parameters next to it, ready to spread into a wire object. */
export function coded(m: CodedMessage): { message: string } & Required<MessageCodeFields> {
  return {
    message: englishText(m),
    messageCode: m.code,
    messageParams: m.params as Record<string, string | number>,
  };
}

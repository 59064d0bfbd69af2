/**
 * The English sentence of each message code. The server builds `message` from the same code and parameters it
 * sends, so the English text and the code can never say different things.
 */
import type { CodedMessage, MessageCodeFields, MessageParamsByCode } from './codes.js';

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

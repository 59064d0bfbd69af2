/**
 * English for the server's coded messages (src/messages/codes.ts). Close to the server's own text, without
 * the API hints a console user has buttons for. Every code must be here (the type says so).
 */
import type { MessageCode } from '../../../src/messages/codes';

export const texts: Record<MessageCode, string> = {
  'drain.progress': 'evicted {evicted}/{total} · terminating {terminating} · gone {gone}',
  'drain.done': 'drained: {verb} {removed} pod(s)',
  'drain.refused': 'drain refused, nothing was evicted: {detail}',
  'drain.cancelled':
    'cancelled: {removed} of {total} pods removed or on their way out ({gone} gone, {terminating} still terminating after their eviction), {left} left on the node; the node stays cordoned',
  'drain.failed': '{failed} of {total} pods were not removed ({gone} were): {detail}',
  'job.node.shutdown': '{detail} (the server was shutting down)',
  'job.node.gone': '{detail} (it no longer exists)',
  'job.node.notStarted': 'not started: the job was cancelled',
  'job.node.notStartedShutdown': 'not started: the server stopped before this node was processed',
  'job.node.unknownOutcome': 'in progress when the server stopped; the outcome is unknown — check the node',
  'job.cancelled': 'cancelled',
  'job.cancelledBy': 'cancelled by {user}',
  'job.interrupted':
    'interrupted: the server stopped while this job ran; {done} of {total} nodes had finished',
  'guard.refused':
    '{operation} refused: it would leave {schedulableAfter} of {readyNodes} Ready nodes in cluster "{cluster}" schedulable ({schedulableNow} now), below the minimum of {minimumPercent}%',
  'job.nodeDraining': 'node "{node}" in cluster "{cluster}" is already being drained by job {job}',
  'job.nodeInPlan':
    'node "{node}" in cluster "{cluster}" is in the current wave of maintenance plan {job}; wait until the plan has finished the node, or pause or abort the plan',
  'job.notFound': 'job "{job}" not found',
  'job.alreadyFinished': 'job {job} already finished ({status})',
  'cluster.noAccess': 'you have no access to cluster "{cluster}"',
};

/** Optional parts, added when their parameter is non-zero. */
export const extras: Partial<Record<MessageCode, Record<string, string>>> = {
  'drain.progress': {
    blocked: ' · {blocked} blocked by a PodDisruptionBudget',
    failed: ' · {failed} failed',
  },
  'drain.done': { skipped: '; skipped {skipped} ({skippedDetail})' },
};

/** Words that arrive as parameter values. */
export const values: Record<string, string> = {};

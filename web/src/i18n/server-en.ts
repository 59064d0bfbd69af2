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
  'job.nodesInPlan':
    'Maintenance plan {job} is working on {count} of these nodes in cluster "{cluster}"; no other job may change them until the plan has finished them (uncordoned, or marked done and uncordoned). Wait for that, or abort the plan (a paused plan keeps its nodes). Nodes: {nodes}',
  'maintenance.overlap':
    'Maintenance plan {job} has not finished {count} of these nodes in cluster "{cluster}"; two plans on one node would undo each other\'s steps. Wait until that plan has finished, or abort it. Nodes: {nodes}',
  'maintenance.planFailed': 'the plan could not be made: {detail}',
  'maintenance.node.at': 'at {step}',
  'maintenance.node.cancelledBeforeStart': 'cancelled before it started',
  'maintenance.node.waitingForJob': 'waiting for job {job} to finish this node before cordoning it',
  'maintenance.node.cancelledAt': 'cancelled at {step}; the node stays cordoned',
  'maintenance.node.stoppedAt': 'stopped at {step}: {detail}',
  'maintenance.node.cordonFailed': 'cordon failed: {detail}',
  'maintenance.node.readFailed': "reading the node's pods and their owners failed: {detail}",
  'maintenance.node.drainFailed': 'drain failed: {detail}',
  'maintenance.node.uncordonFailed': 'uncordon failed: {detail}',
  'maintenance.gate.waiting': 'waiting for {waiting}',
  'maintenance.gate.recovered': 'recovered',
  'maintenance.hold.operator': 'held until marked done',
  'maintenance.hold.reboot': 'held until the node reboots',
  'maintenance.hold.until': 'held until {until}',
  'maintenance.hold.rebooting': 'rebooting: the node reported NotReady',
  'maintenance.node.done': 'done; the recovery gate waited on {objects} object(s)',
  'maintenance.paused.operator': 'paused by {user}',
  'maintenance.paused.failures': '{failed} node(s) failed (the plan pauses at {limit})',
  'maintenance.paused.gateTimeout':
    'recovery gate of node {cluster}/{node} still closed after {seconds} s: waiting for {waiting}',
  'maintenance.paused.guard':
    'guard: {operation} refused: it would leave {schedulableAfter} of {readyNodes} Ready nodes in cluster "{cluster}" schedulable ({schedulableNow} now), below the minimum of {minimumPercent}%',
  'maintenance.paused.refused': 'refused: {detail}',
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
  'job.nodesInPlan': { more: ' and {more} more' },
  'maintenance.overlap': { more: ' and {more} more' },
};

/** Words that arrive as parameter values. */
export const values: Record<string, string> = {};

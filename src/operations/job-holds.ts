import type { JobNodeStatus, JobOperation } from './job-types.js';
import type { CodedMessage } from '../messages/codes.js';
import { englishText } from '../messages/english.js';

const said = (coded: CodedMessage) => ({ coded, message: englishText(coded) });

/** Operations whose unfinished nodes are taken out of scheduling, and so count for the guard. */
export const TAKING_OUT: readonly JobOperation[] = ['cordon', 'drain', 'maintenance'];

/** Nodes a refusal names in its sentence; `details.nodes` carries up to MAX_NAMED_IN_DETAILS. */
const NAMED_IN_TEXT = 10;
const MAX_NAMED_IN_DETAILS = 200;

/**
 * Whether a live job's node is (or is about to be) out of scheduling because of that job. A cordon or drain
 * job holds every node it has not finished. A maintenance plan holds only the nodes it is working on — its
 * current wave, which it marks running when the wave starts, through cordon, drain, gate and a hold waiting
 * for "mark done", until it has uncordoned the node — since its later waves may be hours away and reserving
 * them all would starve every other job of headroom and of the nodes themselves. A paused plan keeps them.
 */
export function holdsNode(operation: JobOperation, status: JobNodeStatus): boolean {
  if (operation === 'maintenance') return status === 'running';
  return operation === 'cordon' || operation === 'drain'
    ? status === 'pending' || status === 'running'
    : false;
}

/**
 * The holds that matter to a new job of `requester`. Against another plan a plan reserves every node it has
 * not finished, not only its current wave: two plans reaching one node would each cordon, drain, hold and
 * uncordon it, and the second one's uncordon would end the first one's hold behind its back.
 */
export function holdsAgainst(
  requester: JobOperation,
): (operation: JobOperation, status: JobNodeStatus) => boolean {
  if (requester !== 'maintenance') return holdsNode;
  return (operation, status) =>
    operation === 'maintenance' ? status === 'pending' || status === 'running' : holdsNode(operation, status);
}

/** The live jobs' operations whose holds a new job of `requester` must look at. */
export function clashingOperations(requester: JobOperation): readonly JobOperation[] {
  return requester === 'cordon' || requester === 'drain' || requester === 'maintenance'
    ? TAKING_OUT
    : ['maintenance'];
}

/** A live job's hold on one node, as the admission sees it. */
export interface NodeHold {
  jobId: string;
  operation: JobOperation;
  cluster: string;
  name: string;
}

export interface Clash {
  jobId: string;
  /** The requested nodes the job holds, as `cluster/name` (bounded). */
  nodes: string[];
  coded: CodedMessage;
  message: string;
}

/**
 * Why a new job may not touch nodes another live job holds. A maintenance plan owns the nodes it is working
 * on until it uncordons them: any write underneath it races its steps — a template or uncordon could make a
 * node schedulable mid-drain, a NoExecute taint evict what its recovery gate waits on, a label move
 * workloads — so every write job kind is refused there, and a plan is refused every node another plan has not
 * finished. A single-node write (`node`, outside any job) is held to the same rule. Two drains of one node evict
 * its pods twice.
 */
export function clashOf(
  operation: JobOperation | 'node',
  live: readonly NodeHold[],
  requested: ReadonlySet<string>,
): Clash | undefined {
  const key = (n: NodeHold) => `${n.cluster}/${n.name}`;
  const planned = live.filter((n) => n.operation === 'maintenance' && requested.has(key(n)));
  const first = planned[0];
  if (first) {
    // One plan, one cluster per answer: the sentence stays short, and the nodes are that plan's.
    const mine = planned.filter((n) => n.jobId === first.jobId);
    const here = [...new Set(mine.filter((n) => n.cluster === first.cluster).map((n) => n.name))];
    const shown = here.slice(0, NAMED_IN_TEXT);
    const params = {
      job: first.jobId,
      cluster: first.cluster,
      nodes: shown.join(', '),
      count: here.length,
      more: here.length - shown.length,
    };
    return {
      jobId: first.jobId,
      nodes: [...new Set(mine.map(key))].slice(0, MAX_NAMED_IN_DETAILS),
      ...said(
        operation === 'maintenance'
          ? { code: 'maintenance.overlap', params }
          : { code: 'job.nodesInPlan', params },
      ),
    };
  }
  if (operation !== 'drain') return undefined;
  const draining = live.find((n) => n.operation === 'drain' && requested.has(key(n)));
  if (!draining) return undefined;
  return {
    jobId: draining.jobId,
    nodes: [key(draining)],
    ...said({
      code: 'job.nodeDraining',
      params: { cluster: draining.cluster, node: draining.name, job: draining.jobId },
    }),
  };
}

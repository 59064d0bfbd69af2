import type { JobNodeStatus, JobOperation } from './job-types.js';
import type { CodedMessage } from '../messages/codes.js';
import { englishText } from '../messages/english.js';

const said = (coded: CodedMessage) => ({ coded, message: englishText(coded) });

/** Operations whose unfinished nodes are taken out of scheduling, and so count for the guard. */
export const TAKING_OUT: readonly JobOperation[] = ['cordon', 'drain', 'maintenance'];

/**
 * Whether a live job's node is (or is about to be) out of scheduling because of that job. A cordon or drain
 * job holds every node it has not finished. A maintenance plan holds only its current wave — the nodes it
 * has cordoned or is about to cordon, which it marks running when the wave starts — since its later waves
 * may be hours away and reserving them all would starve every other job of headroom.
 */
export function holdsNode(operation: JobOperation, status: JobNodeStatus): boolean {
  if (operation === 'maintenance') return status === 'running';
  return operation === 'cordon' || operation === 'drain'
    ? status === 'pending' || status === 'running'
    : false;
}

/** A live job's hold on one node, as the admission sees it. */
export interface NodeHold {
  jobId: string;
  operation: JobOperation;
  cluster: string;
  name: string;
}

/**
 * Why a new cordon or drain job may not take a node another live job holds: two drains of one node evict
 * its pods twice, and a maintenance plan owns its wave's nodes until it uncordons them — a job cordoning or
 * draining one of them underneath it would race the plan's steps and its recovery gate.
 */
export function clashOf(
  operation: JobOperation,
  live: readonly NodeHold[],
  requested: ReadonlySet<string>,
): { jobId: string; coded: CodedMessage; message: string } | undefined {
  for (const n of live) {
    if (!requested.has(`${n.cluster}/${n.name}`)) continue;
    if (n.operation === 'maintenance')
      return {
        jobId: n.jobId,
        ...said({ code: 'job.nodeInPlan', params: { cluster: n.cluster, node: n.name, job: n.jobId } }),
      };
    if (operation === 'drain' && n.operation === 'drain')
      return {
        jobId: n.jobId,
        ...said({ code: 'job.nodeDraining', params: { cluster: n.cluster, node: n.name, job: n.jobId } }),
      };
  }
  return undefined;
}

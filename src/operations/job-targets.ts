/**
 * A job's targets resolved to nodes: named nodes must exist, selectors must match something, and a node named
 * twice (or matched by two targets) is one node of the job. 404/400 name the target that failed.
 */
import { ApiError, badRequest } from '../errors.js';
import { MAX_JOB_NODES } from './job-request.js';
import type { JobNode, JobTarget } from './job-types.js';
import type { NodeSource } from './ports.js';

export interface ResolvedTargets {
  nodes: JobNode[];
  /** The job's nodes as `cluster/name`. */
  keys: Set<string>;
}

export async function resolveTargets(
  source: NodeSource,
  targets: readonly JobTarget[],
): Promise<ResolvedTargets> {
  const nodes: JobNode[] = [];
  const seen = new Set<string>();
  for (const [i, t] of targets.entries()) {
    let names: string[];
    if (t.nodes) {
      const missing: string[] = [];
      for (const n of t.nodes) if (!(await source.getNode(t.cluster, n))) missing.push(n);
      if (missing.length) {
        throw new ApiError(
          404,
          'NotFound',
          `node(s) not found in cluster "${t.cluster}": ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ` and ${missing.length - 20} more` : ''}`,
          `targets[${i}].nodes`,
        );
      }
      names = t.nodes;
    } else {
      names = await source.resolveSelector(t.cluster, t.selector!);
      if (names.length === 0)
        throw badRequest(
          `selector "${t.selector}" matches no node in cluster "${t.cluster}"`,
          `targets[${i}].selector`,
        );
    }
    for (const name of names) {
      const k = `${t.cluster}/${name}`;
      if (seen.has(k)) continue;
      seen.add(k);
      nodes.push({ cluster: t.cluster, name, status: 'pending' });
    }
  }
  if (nodes.length > MAX_JOB_NODES)
    throw badRequest(
      `the targets resolve to ${nodes.length} nodes; at most ${MAX_JOB_NODES} per job`,
      'targets',
    );
  return { nodes, keys: seen };
}

/**
 * Node operations as the console performs them: one node goes through the node's own endpoint (the answer
 * updates the row at once); a selection becomes a batch job with live progress. Destructive steps are
 * confirmed naming the node count and cluster(s); guard refusals go through withGuard.
 */
import { ElMessage, ElMessageBox } from 'element-plus';
import { jobs, nodes as nodesApi, templates } from '../api/endpoints';
import { ApiError } from '../api/http';
import type {
  DrainOptions,
  Job,
  JobOperation,
  JobTarget,
  LabelChange,
  NodeRow,
  TaintChange,
} from '../api/types';
import { i18n } from '../i18n';
import { nodeStore } from '../live/nodes';
import { openJobPanel } from '../stores/jobs';
import { withGuard } from './guard';

export function groupTargets(list: Pick<NodeRow, 'cluster' | 'name'>[]): JobTarget[] {
  const by = new Map<string, string[]>();
  for (const n of list) {
    if (!by.has(n.cluster)) by.set(n.cluster, []);
    by.get(n.cluster)!.push(n.name);
  }
  return [...by].map(([cluster, names]) => ({ cluster, nodes: names }));
}

/** "3 nodes in cluster prod-a" / "12 nodes in 2 clusters: a, b" — what every confirmation names. */
export function describeScope(list: Pick<NodeRow, 'cluster' | 'name'>[]): string {
  const t = i18n.global.t;
  const clusters = [...new Set(list.map((n) => n.cluster))];
  if (list.length === 1) return t('ops.scopeOne', { node: list[0]!.name, cluster: clusters[0] });
  if (clusters.length === 1) return t('ops.scopeCluster', { count: list.length, cluster: clusters[0] });
  return t('ops.scopeClusters', { count: list.length, n: clusters.length, clusters: clusters.join(', ') });
}

export async function confirmAction(
  action: string,
  list: Pick<NodeRow, 'cluster' | 'name'>[],
  extra = '',
): Promise<boolean> {
  const t = i18n.global.t;
  try {
    await ElMessageBox.confirm(
      `${t('ops.confirmText', { action, scope: describeScope(list) })}${extra ? `\n${extra}` : ''}`,
      t('ops.confirmTitle'),
      {
        type: 'warning',
        confirmButtonText: action,
        cancelButtonText: t('common.cancel'),
        customClass: 'knm-confirm-box',
        confirmButtonClass: 'knm-confirm-ok',
      },
    );
    return true;
  } catch {
    return false;
  }
}

export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.field ? `${e.message} (${e.field})` : e.message;
  return (e as Error)?.message ?? String(e);
}

function toastResult(changed: boolean) {
  const t = i18n.global.t;
  if (changed) ElMessage.success(t('ops.done'));
  else ElMessage.info(t('ops.unchanged'));
}

/** Start a batch job (guarded) and open its panel. Resolves to the job, or undefined when backed off. */
export async function startJob(
  operation: JobOperation,
  list: Pick<NodeRow, 'cluster' | 'name'>[],
  params: Record<string, unknown>,
  concurrency?: number,
): Promise<Job | undefined> {
  const job = await withGuard((override) =>
    jobs.create({
      operation,
      targets: groupTargets(list),
      params,
      concurrency,
      override: override || undefined,
    }),
  );
  if (job) openJobPanel(job);
  return job;
}

export async function cordon(list: NodeRow[], reason: string): Promise<boolean> {
  if (list.length === 1) {
    const n = list[0]!;
    const r = await withGuard((override) => nodesApi.cordon(n.cluster, n.name, reason, override));
    if (!r) return false;
    nodeStore.applyLocal(r.node);
    toastResult(r.changed);
    return true;
  }
  return !!(await startJob('cordon', list, { reason }));
}

export async function uncordon(list: NodeRow[]): Promise<boolean> {
  if (list.length === 1) {
    const n = list[0]!;
    const r = await nodesApi.uncordon(n.cluster, n.name);
    nodeStore.applyLocal(r.node);
    toastResult(r.changed);
    return true;
  }
  return !!(await startJob('uncordon', list, {}));
}

export async function changeLabels(
  list: NodeRow[],
  change: LabelChange,
  allowSystem: boolean,
): Promise<boolean> {
  if (list.length === 1) {
    const n = list[0]!;
    const r = await nodesApi.labels(n.cluster, n.name, {
      ...change,
      ...(allowSystem ? { allowSystem } : {}),
    });
    nodeStore.applyLocal(r.node);
    toastResult(r.changed);
    return true;
  }
  return !!(await startJob('labels', list, { ...change, ...(allowSystem ? { allowSystem } : {}) }));
}

export async function changeTaints(list: NodeRow[], change: TaintChange): Promise<boolean> {
  if (list.length === 1) {
    const n = list[0]!;
    const r = await nodesApi.taints(n.cluster, n.name, change);
    nodeStore.applyLocal(r.node);
    toastResult(r.changed);
    return true;
  }
  return !!(await startJob('taints', list, { ...change }));
}

/** Drains always run as a job, even for one node: they can take minutes and must be cancellable. */
export async function drain(list: NodeRow[], options: DrainOptions, concurrency?: number): Promise<boolean> {
  return !!(await startJob('drain', list, { ...options }, concurrency));
}

export async function applyTemplate(
  templateId: string,
  list: NodeRow[],
  concurrency?: number,
): Promise<boolean> {
  const job = await withGuard((override) =>
    templates.apply(templateId, groupTargets(list), concurrency, override),
  );
  if (job) openJobPanel(job);
  return !!job;
}

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
import { serverText } from '../i18n/serverText';
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
  if (e instanceof ApiError) {
    const text = serverText(
      e.coded
        ? { message: e.message, messageCode: e.coded.code, messageParams: { ...e.coded.params } }
        : { message: e.message },
    );
    return e.field ? `${text} (${e.field})` : text;
  }
  return (e as Error)?.message ?? String(e);
}

function toastResult(changed: boolean) {
  const t = i18n.global.t;
  if (changed) ElMessage.success(t('ops.done'));
  else ElMessage.info(t('ops.unchanged'));
}

/** Resolves to the job the guard let through (its panel opened), or undefined when the user backed off. */
async function guardedJob(create: (override: boolean) => Promise<Job>): Promise<Job | undefined> {
  const job = await withGuard(create);
  if (job) openJobPanel(job);
  return job;
}

/** Start a batch job (guarded) and open its panel. Resolves to the job, or undefined when backed off. */
export async function startJob(
  operation: JobOperation,
  list: Pick<NodeRow, 'cluster' | 'name'>[],
  params: Record<string, unknown>,
  concurrency?: number,
): Promise<Job | undefined> {
  return guardedJob((override) =>
    jobs.create({
      operation,
      targets: groupTargets(list),
      params,
      concurrency,
      override: override || undefined,
    }),
  );
}

/**
 * One node goes through its own endpoint so the row updates at once; a selection becomes a job with the same
 * params. `one` resolves to undefined when the user backed off a guard refusal.
 */
async function nodeOrJob(
  list: NodeRow[],
  one: (n: NodeRow) => Promise<{ node: NodeRow; changed: boolean } | undefined>,
  operation: JobOperation,
  params: Record<string, unknown>,
): Promise<boolean> {
  if (list.length === 1) {
    const r = await one(list[0]!);
    if (!r) return false;
    nodeStore.applyLocal(r.node);
    toastResult(r.changed);
    return true;
  }
  return !!(await startJob(operation, list, params));
}

export function cordon(list: NodeRow[], reason: string): Promise<boolean> {
  return nodeOrJob(
    list,
    (n) => withGuard((override) => nodesApi.cordon(n.cluster, n.name, reason, override)),
    'cordon',
    { reason },
  );
}

export function uncordon(list: NodeRow[]): Promise<boolean> {
  return nodeOrJob(list, (n) => nodesApi.uncordon(n.cluster, n.name), 'uncordon', {});
}

export function changeLabels(list: NodeRow[], change: LabelChange, allowSystem: boolean): Promise<boolean> {
  const body = { ...change, ...(allowSystem ? { allowSystem } : {}) };
  return nodeOrJob(list, (n) => nodesApi.labels(n.cluster, n.name, body), 'labels', body);
}

export function changeTaints(list: NodeRow[], change: TaintChange): Promise<boolean> {
  return nodeOrJob(list, (n) => nodesApi.taints(n.cluster, n.name, change), 'taints', { ...change });
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
  return !!(await guardedJob((override) =>
    templates.apply(templateId, groupTargets(list), concurrency, override),
  ));
}

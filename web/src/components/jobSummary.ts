/** One line saying what a job changes, for lists: "Cordon · 12 nodes · reason: kernel". */
import type { Job } from '../api/types';

type T = (key: string, named?: Record<string, unknown>) => string;

const DETAIL_MAX = 160;

function list(v: unknown, fmt: (x: Record<string, unknown>) => string): string[] {
  return Array.isArray(v)
    ? v.map((x) => (x && typeof x === 'object' ? fmt(x as Record<string, unknown>) : String(x)))
    : [];
}

const taintText = (x: Record<string, unknown>) =>
  `${String(x.key ?? '')}${x.value ? `=${String(x.value)}` : ''}${x.effect ? `:${String(x.effect)}` : ''}`;

/** What the job changes on each node, from its parameters. */
export function jobDetail(job: Pick<Job, 'operation' | 'params'>, t: T): string {
  const p = job.params ?? {};
  const parts: string[] = [];
  if (typeof p.reason === 'string' && p.reason) parts.push(t('jobs.reason', { reason: p.reason }));
  if (job.operation === 'labels') {
    const set = p.set && typeof p.set === 'object' ? Object.entries(p.set as Record<string, unknown>) : [];
    if (set.length)
      parts.push(t('jobs.changeSet', { list: set.map(([k, v]) => `${k}=${String(v)}`).join(', ') }));
    const removed = list(p.remove, (x) => String(x.key ?? ''));
    if (removed.length) parts.push(t('jobs.changeRemove', { list: removed.join(', ') }));
  }
  if (job.operation === 'taints') {
    const added = list(p.add, taintText);
    if (added.length) parts.push(t('jobs.changeAdd', { list: added.join(', ') }));
    const removed = list(p.remove, taintText);
    if (removed.length) parts.push(t('jobs.changeRemove', { list: removed.join(', ') }));
  }
  if (job.operation === 'template' && typeof p.templateId === 'string')
    parts.push(t('jobs.template', { id: p.templateId.slice(0, 8) }));
  const text = parts.join(' · ');
  return text.length > DETAIL_MAX ? `${text.slice(0, DETAIL_MAX - 1)}…` : text;
}

export function jobSummary(job: Pick<Job, 'operation' | 'params' | 'total'>, t: T): string {
  const detail = jobDetail(job, t);
  return [t(`operation.${job.operation}`), t('jobs.nodeCount', { count: job.total }), detail]
    .filter(Boolean)
    .join(' · ');
}

/**
 * The lines a confirmation shows under "Action: N nodes in cluster X?" so the user sees exactly what will
 * change before a batch or a template goes out, not only its name. Long lists are cut so the box stays
 * readable; the count of what was left out is named.
 */
import type { DrainOptions, LabelChange, TaintChange, Template } from '../api/types';
import { i18n } from '../i18n';

const SHOWN = 10;

function list(items: string[]): string {
  const t = i18n.global.t;
  const head = items.slice(0, SHOWN).join(', ');
  return items.length > SHOWN ? `${head} ${t('ops.change.more', { count: items.length - SHOWN })}` : head;
}

export function labelChangeLines(c: LabelChange): string[] {
  const t = i18n.global.t;
  const set = Object.entries(c.set).map(([k, v]) => `${k}=${v}`);
  return [
    ...(set.length ? [t('ops.change.setLabels', { items: list(set) })] : []),
    ...(c.remove.length ? [t('ops.change.removeLabels', { items: list(c.remove) })] : []),
  ];
}

export function taintChangeLines(c: TaintChange): string[] {
  const t = i18n.global.t;
  const add = c.add.map((x) => `${x.key}${x.value ? `=${x.value}` : ''}:${x.effect}`);
  const remove = c.remove.map((x) => (x.effect ? `${x.key}:${x.effect}` : x.key));
  return [
    ...(add.length ? [t('ops.change.addTaints', { items: list(add) })] : []),
    ...(remove.length ? [t('ops.change.removeTaints', { items: list(remove) })] : []),
  ];
}

export function templateChangeLines(tpl: Pick<Template, 'labels' | 'taints'>): string[] {
  return [
    ...(tpl.labels ? labelChangeLines(tpl.labels) : []),
    ...(tpl.taints ? taintChangeLines(tpl.taints) : []),
  ];
}

export function drainLines(o: DrainOptions): string[] {
  const t = i18n.global.t;
  return [
    t('ops.change.cordonReason', { reason: o.reason || 'drain' }),
    o.timeoutSeconds > 0 ? t('ops.change.timeout', { seconds: o.timeoutSeconds }) : t('ops.change.noTimeout'),
    ...(o.disableEviction ? [t('ops.change.deletes')] : []),
    ...(o.deleteEmptyDirData ? [t('ops.change.emptyDir')] : []),
    ...(o.force ? [t('ops.change.force')] : []),
  ];
}

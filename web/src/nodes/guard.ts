/**
 * The safety guard's refusal (409 GuardRefused) shown with its reason; users allowed to override (admins,
 * operators with the grant) get a second, explicit confirmation that resends the request with `override`.
 */
import { ElMessageBox } from 'element-plus';
import { ApiError } from '../api/http';
import type { GuardDetails } from '../api/types';
import { i18n } from '../i18n';
import { serverText } from '../i18n/serverText';
import { canOverrideGuard } from '../session';

export function isGuardRefusal(e: unknown): e is ApiError {
  return e instanceof ApiError && e.code === 'GuardRefused';
}

/**
 * The refusal in the console's words, from its numbers: this request's nodes, the nodes running jobs will still
 * take out, and the minimum share apart. The server's message is for API clients (it tells them which field to
 * resend); it is shown only when an older server sends no numbers, without that advice.
 */
export function describeGuard(e: ApiError): string {
  const t = i18n.global.t;
  const d = (e.details ?? {}) as GuardDetails;
  if (d.readyNodes === undefined || d.schedulableAfter === undefined || d.minimumShare === undefined)
    return e.coded
      ? serverText({ message: e.message, messageCode: e.coded.code, messageParams: { ...e.coded.params } })
      : e.message.replace(/\s*Resend with .*$/s, '');
  const pct = Math.round(d.minimumShare * 100);
  const lines = [
    t('guard.summary', {
      after: d.schedulableAfter,
      ready: d.readyNodes,
      cluster: d.cluster ?? '',
      pct,
    }),
    '',
  ];
  if (d.takenOut !== undefined) lines.push(`${t('guard.thisRequest')}: ${d.takenOut}`);
  if (d.reservedByJobs) lines.push(`${t('guard.takenOut')}: ${d.reservedByJobs}`);
  if (d.schedulableNow !== undefined)
    lines.push(`${t('guard.schedulableNow')}: ${d.schedulableNow} / ${d.readyNodes}`);
  lines.push(`${t('guard.schedulableAfter')}: ${d.schedulableAfter} / ${d.readyNodes}`);
  lines.push(
    `${t('guard.minimumShare')}: ${t('guard.minimumNodes', { pct, nodes: Math.ceil(d.minimumShare * d.readyNodes) })}`,
  );
  return lines.join('\n');
}

/**
 * Run `action(false)`; on a guard refusal explain it and, when permitted and confirmed, run `action(true)`.
 * Resolves to undefined when the user backs off. Other errors propagate.
 */
export async function withGuard<T>(action: (override: boolean) => Promise<T>): Promise<T | undefined> {
  try {
    return await action(false);
  } catch (e) {
    if (!isGuardRefusal(e)) throw e;
    const t = i18n.global.t;
    const message = describeGuard(e);
    if (!canOverrideGuard.value) {
      await ElMessageBox.alert(`${message}\n\n${t('guard.noGrant')}`, t('guard.title'), {
        type: 'warning',
        customClass: 'knm-guard-box',
        confirmButtonText: t('common.ok'),
      }).catch(() => undefined);
      return undefined;
    }
    try {
      await ElMessageBox.confirm(`${message}\n\n${t('guard.overrideQuestion')}`, t('guard.title'), {
        type: 'warning',
        customClass: 'knm-guard-box',
        confirmButtonText: t('guard.override'),
        cancelButtonText: t('common.cancel'),
        confirmButtonClass: 'el-button--danger knm-guard-override',
      });
    } catch {
      return undefined;
    }
    return action(true);
  }
}

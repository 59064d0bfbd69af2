/**
 * The safety guard's refusal (409 GuardRefused) shown with its reason; users allowed to override (admins,
 * operators with the grant) get a second, explicit confirmation that resends the request with `override`.
 */
import { ElMessageBox } from 'element-plus';
import { ApiError } from '../api/http';
import type { GuardDetails } from '../api/types';
import { i18n } from '../i18n';
import { canOverrideGuard } from '../session';

export function isGuardRefusal(e: unknown): e is ApiError {
  return e instanceof ApiError && e.code === 'GuardRefused';
}

function describe(e: ApiError): string {
  const t = i18n.global.t;
  const d = (e.details ?? {}) as GuardDetails;
  const lines = [e.message];
  if (d.cluster !== undefined) lines.push(`${t('guard.cluster')}: ${d.cluster}`);
  if (d.readyNodes !== undefined) lines.push(`${t('guard.readyNodes')}: ${d.readyNodes}`);
  if (d.schedulableNow !== undefined) lines.push(`${t('guard.schedulableNow')}: ${d.schedulableNow}`);
  if (d.schedulableAfter !== undefined) lines.push(`${t('guard.schedulableAfter')}: ${d.schedulableAfter}`);
  if (d.takenOut) lines.push(`${t('guard.takenOut')}: ${d.takenOut}`);
  if (d.minimumShare !== undefined)
    lines.push(`${t('guard.minimumShare')}: ${Math.round(d.minimumShare * 100)}%`);
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
    const message = describe(e);
    if (!canOverrideGuard.value) {
      await ElMessageBox.alert(message, t('guard.title'), {
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

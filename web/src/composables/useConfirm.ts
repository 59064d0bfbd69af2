/** The warning prompt the console shows before a change that cannot be taken back or starts work on nodes. */
import { ElMessage, ElMessageBox } from 'element-plus';
import { useI18n } from 'vue-i18n';
import { errorMessage } from '../nodes/operations';

export interface ConfirmOptions {
  message: string;
  title: string;
  /** Label of the confirming button: the action it takes, so the prompt reads as a question about it. */
  confirmText: string;
  /** Red confirm button; off for actions that change nodes but destroy nothing (applying a template). */
  danger?: boolean;
}

export function useConfirm() {
  const { t } = useI18n();

  /** True when the user confirmed; ElMessageBox rejects on cancel, close and Escape alike. */
  async function confirm({ message, title, confirmText, danger = true }: ConfirmOptions): Promise<boolean> {
    try {
      await ElMessageBox.confirm(message, title, {
        type: 'warning',
        confirmButtonText: confirmText,
        cancelButtonText: t('common.cancel'),
        // knm-confirm-ok is what the browser tests click to confirm.
        confirmButtonClass: danger ? 'el-button--danger knm-confirm-ok' : 'knm-confirm-ok',
      });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Asks, then acts. A failure is a toast: the prompt is gone by then and the list behind it has no place for
   * an error that is about one row.
   */
  async function confirmThen(options: ConfirmOptions, action: () => Promise<unknown>): Promise<void> {
    if (!(await confirm(options))) return;
    try {
      await action();
    } catch (e) {
      ElMessage.error(errorMessage(e));
    }
  }

  return { confirm, confirmThen };
}

/**
 * Node actions started from the table, the selection bar, the keyboard or the drawer: uncordon runs at once
 * (a batch asks first); every other action opens its dialog on the given nodes.
 */
import { reactive, shallowRef } from 'vue';
import { useI18n } from 'vue-i18n';
import { ElMessage } from 'element-plus';
import type { NodeRow } from '../api/types';
import { confirmAction, errorMessage, uncordon } from './operations';

export type DialogKind = 'cordon' | 'labels' | 'taints' | 'drain' | 'template';

export function useNodeActions() {
  const { t } = useI18n();
  const dialog = reactive<Record<DialogKind, boolean>>({
    cordon: false,
    labels: false,
    taints: false,
    drain: false,
    template: false,
  });
  const targets = shallowRef<NodeRow[]>([]);

  async function runAction(kind: DialogKind | 'uncordon', list: NodeRow[]) {
    if (!list.length) return;
    targets.value = list;
    if (kind === 'uncordon') {
      if (list.length > 1 && !(await confirmAction(t('ops.uncordon'), list))) return;
      try {
        await uncordon(list);
      } catch (e) {
        ElMessage.error(errorMessage(e));
      }
      return;
    }
    dialog[kind] = true;
  }

  return { dialog, targets, runAction };
}

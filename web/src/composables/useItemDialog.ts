/**
 * A list page's edit dialog and delete prompt: which item is open (null while a new one is composed), the save's
 * progress and error, and removing an item once the user confirms. After each change the list is read again.
 */
import { ref } from 'vue';
import { useI18n } from 'vue-i18n';
import { useAsyncTask } from './useAsyncTask';
import { useConfirm } from './useConfirm';

export function useItemDialog<T extends { id: string }>(o: {
  /** Puts the item's values (or a new item's defaults) into the form. */
  fill: (item: T | null) => void;
  remove: (item: T) => Promise<unknown>;
  reload: () => Promise<void>;
}) {
  const { t } = useI18n();
  const { confirmThen } = useConfirm();
  const editing = ref(false);
  const editId = ref<string | null>(null);
  const { running: saving, error: formError, run } = useAsyncTask();

  function edit(item: T | null) {
    editId.value = item?.id ?? null;
    o.fill(item);
    formError.value = '';
    editing.value = true;
  }

  /** The dialog closes once `send` succeeds; on a failure it stays open with the server's answer. */
  function save(send: () => Promise<void>): Promise<boolean> {
    return run(async () => {
      await send();
      editing.value = false;
      await o.reload();
    });
  }

  function remove(item: T, prompt: { message: string; title: string }): Promise<void> {
    return confirmThen({ ...prompt, confirmText: t('common.delete') }, async () => {
      await o.remove(item);
      await o.reload();
    });
  }

  return { editing, editId, saving, formError, edit, save, remove };
}

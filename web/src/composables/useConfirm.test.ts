import { afterEach, describe, expect, it, vi } from 'vitest';
import { mount } from '@vue/test-utils';
import { defineComponent } from 'vue';
import { createI18n } from 'vue-i18n';
import { ElMessage, ElMessageBox } from 'element-plus';
import en from '../i18n/en';
import { ApiError } from '../api/http';
import { useConfirm } from './useConfirm';

const prompt = vi.spyOn(ElMessageBox, 'confirm');
const toast = vi.spyOn(ElMessage, 'error').mockImplementation(() => ({ close: () => undefined }));

/** useConfirm reads the Cancel label through useI18n, so it needs a component around it. */
function withConfirm() {
  let api!: ReturnType<typeof useConfirm>;
  mount(
    defineComponent({
      setup() {
        api = useConfirm();
        return () => null;
      },
    }),
    { global: { plugins: [createI18n({ legacy: false, locale: 'en', messages: { en } })] } },
  );
  return api;
}

// The declared result of ElMessageBox.confirm (input data intersected with an action name) has no real value;
// the composable ignores it anyway.
const confirmed = { value: '', action: 'confirm' } as unknown as Awaited<
  ReturnType<typeof ElMessageBox.confirm>
>;

const options = { message: 'Delete template "gold"?', title: 'Delete template', confirmText: 'Delete' };

afterEach(() => {
  prompt.mockReset();
  toast.mockClear();
});

describe('useConfirm', () => {
  it('does nothing when the user declines', async () => {
    prompt.mockRejectedValue('cancel');
    const action = vi.fn();
    await withConfirm().confirmThen(options, action);
    expect(action).not.toHaveBeenCalled();
    expect(toast).not.toHaveBeenCalled();
  });

  it('asks with a red confirm button named after the action, then acts', async () => {
    prompt.mockResolvedValue(confirmed);
    const action = vi.fn(async () => undefined);
    await withConfirm().confirmThen(options, action);
    expect(prompt).toHaveBeenCalledWith('Delete template "gold"?', 'Delete template', {
      type: 'warning',
      confirmButtonText: 'Delete',
      cancelButtonText: 'Cancel',
      confirmButtonClass: 'el-button--danger knm-confirm-ok',
    });
    expect(action).toHaveBeenCalledOnce();
  });

  it('shows a failed action as a toast and does not reject', async () => {
    prompt.mockResolvedValue(confirmed);
    await withConfirm().confirmThen(options, async () => {
      throw new ApiError(409, 'Conflict', 'template is in use', 'id');
    });
    expect(toast).toHaveBeenCalledWith('template is in use (id)');
  });

  it('keeps the confirm button neutral for an action that destroys nothing', async () => {
    prompt.mockResolvedValue(confirmed);
    expect(await withConfirm().confirm({ ...options, danger: false })).toBe(true);
    expect(prompt.mock.calls[0]![2]).toMatchObject({ confirmButtonClass: 'knm-confirm-ok' });
    prompt.mockRejectedValue('close');
    expect(await withConfirm().confirm(options)).toBe(false);
  });
});

// A dialog opened to be typed into starts with the cursor in its first field.
import { describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { i18n } from '../i18n';
import { installElement } from '../element';
import type { NodeRow } from '../api/types';

vi.mock('../api/endpoints', () => ({
  nodes: { drainPreview: vi.fn() },
  jobs: {},
  templates: {},
  auth: {},
}));

const { focusShownDialogField } = await import('../composables/focusFirstField');
const CordonDialog = (await import('../nodes/CordonDialog.vue')).default;
const DrainDialog = (await import('../nodes/DrainDialog.vue')).default;
const ChangePasswordDialog = (await import('./ChangePasswordDialog.vue')).default;

const targets = [{ cluster: 'c1', name: 'n1' }] as NodeRow[];

/** Opens the dialog as a user would see it settle: Element announces `opened` once it is shown. */
async function openAndSettle(component: unknown, props: Record<string, unknown>) {
  const w = mount(component as never, {
    props: { modelValue: true, ...props } as never,
    global: { plugins: [i18n, { install: installElement }], stubs: { teleport: true } },
    attachTo: document.body,
  });
  await flushPromises();
  w.findComponent({ name: 'ElDialog' }).vm.$emit('opened');
  await flushPromises();
  return w;
}

describe('dialogs focus their first field', () => {
  it('cordon: the reason', async () => {
    const w = await openAndSettle(CordonDialog, { targets });
    expect(document.activeElement).toBe(w.find('[data-testid="cordon-reason-input"]').element);
    w.unmount();
  });

  it('drain: the reason, before the switches', async () => {
    const w = await openAndSettle(DrainDialog, { targets });
    expect(document.activeElement).toBe(w.find('[data-testid="drain-reason-input"]').element);
    w.unmount();
  });

  it('change password: the current password', async () => {
    const w = await openAndSettle(ChangePasswordDialog, {});
    expect(document.activeElement).toBe(w.find('input[autocomplete="current-password"]').element);
    w.unmount();
  });

  it('a page’s own dialog: the first enabled field of the dialog shown on top, not of a closed one', () => {
    document.body.innerHTML = `
      <div class="el-overlay" style="display: none"><div class="el-dialog__body"><input id="closed"></div></div>
      <div class="el-overlay"><div class="el-dialog__body"><input id="off" disabled><input id="first"><input></div></div>`;
    focusShownDialogField();
    expect(document.activeElement?.id).toBe('first');
    document.body.innerHTML = '';
  });

  it('leaves the cursor where a quick user already put it while the dialog was opening', () => {
    document.body.innerHTML = `
      <div class="el-overlay"><div class="el-dialog__body"><input id="first"><input id="clicked"></div></div>`;
    document.getElementById('clicked')!.focus();
    focusShownDialogField();
    expect(document.activeElement?.id).toBe('clicked');
    document.body.innerHTML = '';
  });
});

import { describe, expect, it } from 'vitest';
import { mount, type VueWrapper } from '@vue/test-utils';
import { nextTick } from 'vue';
import { createI18n } from 'vue-i18n';
import en from '../i18n/en';
import { installElement } from '../element';
import LabelEditor from './LabelEditor.vue';
import TaintEditor from './TaintEditor.vue';

// The row list, the mode choice and delete/undo are shared by both editors; these pin what the user sees.

function plugins() {
  const i18n = createI18n({ legacy: false, locale: 'en', messages: { en } });
  return [i18n, { install: installElement }];
}

function change(w: VueWrapper): unknown {
  const events = w.emitted('change') as [{ change: unknown }][];
  return events.at(-1)![0].change;
}

const rows = (w: VueWrapper, prefix: string) => w.findAll(`[data-testid="${prefix}-row"]`);

describe('key/value editor rows', () => {
  it('starts a template from its set and remove lists, with a blank row to type into', async () => {
    const w = mount(LabelEditor, {
      props: { initial: { set: { pool: 'batch' }, remove: ['legacy'] } },
      global: { plugins: plugins() },
    });
    expect(rows(w, 'label')).toHaveLength(3);
    expect(w.findAll('[data-testid="label-mode"]')).toHaveLength(3);
    expect(change(w)).toEqual({ set: { pool: 'batch' }, remove: ['legacy'] });
    // Only rows with content can be deleted.
    expect(w.findAll('[data-testid="label-remove"]')).toHaveLength(2);
  });

  it('switches a selection row from add to remove through its mode', async () => {
    const w = mount(TaintEditor, { global: { plugins: plugins() } });
    await w.findAll('input[data-testid="taint-key"]')[0]!.setValue('maintenance');
    await nextTick();
    expect(change(w)).toEqual({ add: [{ key: 'maintenance', effect: 'NoSchedule' }], remove: [] });
    w.findAllComponents({ name: 'ElSelect' })[0]!.vm.$emit('update:modelValue', 'remove');
    await nextTick();
    expect(change(w)).toEqual({ add: [], remove: [{ key: 'maintenance', effect: 'NoSchedule' }] });
  });

  it('drops a deleted new row but only strikes through a node entry, which undo restores', async () => {
    const w = mount(TaintEditor, {
      props: { current: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] },
      global: { plugins: plugins() },
    });
    // No mode choice on a node's own taints.
    expect(w.find('[data-testid="taint-mode"]').exists()).toBe(false);
    await w.findAll('input[data-testid="taint-key"]')[1]!.setValue('spot');
    await nextTick();
    expect(rows(w, 'taint')).toHaveLength(3);

    await w.findAll('[data-testid="taint-remove"]')[1]!.trigger('click');
    expect(rows(w, 'taint')).toHaveLength(2);
    expect(change(w)).toEqual({ add: [], remove: [] });

    await w.findAll('[data-testid="taint-remove"]')[0]!.trigger('click');
    expect(rows(w, 'taint')[0]!.classes()).toContain('is-removed');
    expect(w.findAll('[data-testid="taint-remove"]')[0]!.text()).toBe('Undo');
    expect(change(w)).toEqual({ add: [], remove: [{ key: 'dedicated', effect: 'NoSchedule' }] });

    await w.findAll('[data-testid="taint-remove"]')[0]!.trigger('click');
    expect(rows(w, 'taint')[0]!.classes()).not.toContain('is-removed');
    expect(change(w)).toEqual({ add: [], remove: [] });
  });
});

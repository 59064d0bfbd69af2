import { describe, expect, it } from 'vitest';
import { mount, type VueWrapper } from '@vue/test-utils';
import { nextTick } from 'vue';
import { createI18n } from 'vue-i18n';
import en from '../i18n/en';
import { installElement } from '../element';
import LabelEditor from './LabelEditor.vue';
import TaintEditor from './TaintEditor.vue';

function plugins() {
  const i18n = createI18n({ legacy: false, locale: 'en', messages: { en } });
  return [i18n, { install: installElement }];
}

type Emitted<T> = { change: T; valid: boolean; empty: boolean };

function last<T>(w: VueWrapper): Emitted<T> {
  const events = w.emitted('change') as [Emitted<T>][];
  return events.at(-1)![0];
}

async function type(w: VueWrapper, testid: string, index: number, value: string) {
  // Element Plus puts extra attributes on the inner <input>.
  const inputs = w.findAll(`input[data-testid="${testid}"]`);
  await inputs[index]!.setValue(value);
  await nextTick();
}

describe('LabelEditor on one node', () => {
  const current = { 'kubernetes.io/hostname': 'n1', team: 'infra', 'topology.kubernetes.io/zone': 'a' };

  it('shows an error under an invalid key and reports the change as invalid', async () => {
    const w = mount(LabelEditor, { props: { current }, global: { plugins: plugins() } });
    const rows = w.findAll('[data-testid="label-row"]');
    expect(rows).toHaveLength(4); // three labels and one empty row to type into
    await type(w, 'label-key', 3, 'bad key');
    expect(w.find('[data-testid="label-key-error"]').text()).toContain('Letters, digits');
    expect(last(w).valid).toBe(false);

    await type(w, 'label-key', 3, 'example.com/owner');
    await type(w, 'label-value', 3, 'sre');
    expect(w.find('[data-testid="label-key-error"]').exists()).toBe(false);
    const r = last<{ set: Record<string, string>; remove: string[] }>(w);
    expect(r.valid).toBe(true);
    expect(r.change).toEqual({ set: { 'example.com/owner': 'sre' }, remove: [] });
    // Typing into the last row adds a fresh empty one.
    expect(w.findAll('[data-testid="label-row"]')).toHaveLength(5);
  });

  it('flags a value over 63 characters and a duplicate key', async () => {
    const w = mount(LabelEditor, { props: { current }, global: { plugins: plugins() } });
    await type(w, 'label-key', 3, 'team');
    expect(w.find('[data-testid="label-key-error"]').text()).toContain('appears twice');
    await type(w, 'label-key', 3, 'owner');
    await type(w, 'label-value', 3, 'x'.repeat(64));
    expect(w.find('[data-testid="label-value-error"]').text()).toContain('longer than 63');
    expect(last(w).valid).toBe(false);
  });

  it('turns edits and deletions into set/remove, renames into remove+set', async () => {
    const w = mount(LabelEditor, { props: { current }, global: { plugins: plugins() } });
    // Rows are sorted by key: kubernetes.io/hostname, team, topology.kubernetes.io/zone.
    await type(w, 'label-key', 1, 'squad');
    await type(w, 'label-value', 1, 'payments');
    const r = last<{ set: Record<string, string>; remove: string[] }>(w);
    expect(r.change).toEqual({ set: { squad: 'payments' }, remove: ['team'] });
  });

  it('refuses changes to system labels unless allowed', async () => {
    const w = mount(LabelEditor, { props: { current }, global: { plugins: plugins() } });
    await w.findAll('[data-testid="label-remove"]')[2]!.trigger('click'); // topology.kubernetes.io/zone
    await type(w, 'label-key', 3, 'kubernetes.io/custom');
    expect(w.find('[data-testid="label-key-error"]').text()).toContain('reserved');
    expect(last(w).valid).toBe(false);

    await w.setProps({ allowSystem: true });
    await nextTick();
    expect(w.find('[data-testid="label-key-error"]').exists()).toBe(false);
    expect(last(w).valid).toBe(true);
  });
});

describe('LabelEditor for a selection', () => {
  it('sets and removes by row mode and ignores the trailing empty row', async () => {
    const w = mount(LabelEditor, { global: { plugins: plugins() } });
    expect(last(w).empty).toBe(true);
    expect(last(w).valid).toBe(true);
    await type(w, 'label-key', 0, 'pool');
    await type(w, 'label-value', 0, 'batch');
    expect(last(w).change).toEqual({ set: { pool: 'batch' }, remove: [] });
    expect(last(w).empty).toBe(false);
  });
});

describe('TaintEditor', () => {
  const current = [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' as const }];

  it('validates key and value inline and derives remove+add for an edited taint', async () => {
    const w = mount(TaintEditor, { props: { current }, global: { plugins: plugins() } });
    await type(w, 'taint-value', 0, 'ml');
    const r = last<{ add: unknown[]; remove: unknown[] }>(w);
    // Same key and effect: the server replaces it, no separate remove.
    expect(r.change).toEqual({ add: [{ key: 'dedicated', value: 'ml', effect: 'NoSchedule' }], remove: [] });

    await type(w, 'taint-key', 1, 'Bad_Prefix.com/x');
    expect(w.find('[data-testid="taint-key-error"]').text()).toContain('DNS subdomain');
    expect(last(w).valid).toBe(false);
    await type(w, 'taint-key', 1, 'maintenance');
    await type(w, 'taint-value', 1, 'a b');
    expect(w.find('[data-testid="taint-value-error"]').exists()).toBe(true);
    await type(w, 'taint-value', 1, '');
    expect(last(w).valid).toBe(true);
  });

  it('rejects the same key and effect twice, and removing an existing taint removes key:effect', async () => {
    const w = mount(TaintEditor, { props: { current }, global: { plugins: plugins() } });
    await type(w, 'taint-key', 1, 'dedicated');
    expect(w.find('[data-testid="taint-effect-error"]').text()).toContain('appear twice');
    expect(last(w).valid).toBe(false);

    const w2 = mount(TaintEditor, { props: { current }, global: { plugins: plugins() } });
    await w2.findAll('[data-testid="taint-remove"]')[0]!.trigger('click');
    await nextTick();
    expect(last(w2).change).toEqual({ add: [], remove: [{ key: 'dedicated', effect: 'NoSchedule' }] });
  });

  it('warns that NoExecute evicts pods', async () => {
    const w = mount(TaintEditor, { global: { plugins: plugins() } });
    await type(w, 'taint-key', 0, 'maintenance');
    const select = w.findComponent({ name: 'ElSelect' });
    // The first select of a selection row is the add/remove mode; the effect select follows it.
    const effect = w.findAllComponents({ name: 'ElSelect' })[1]!;
    expect(select.exists()).toBe(true);
    effect.vm.$emit('update:modelValue', 'NoExecute');
    await nextTick();
    expect(w.text()).toContain('NoExecute evicts running pods');
    expect((last(w) as unknown as { addsNoExecute: boolean }).addsNoExecute).toBe(true);
  });
});

// k9s-style keys on the Nodes page: they move a highlighted row and act on it, and never fire while the
// user types in a field or has a dialog open.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mount } from '@vue/test-utils';
import { defineComponent, h, ref } from 'vue';
import type { NodeRow } from '../api/types';
import { useNodeKeys } from './nodeKeys';

const rows = ref(['a', 'b', 'c'].map((name) => ({ key: `c1/${name}`, cluster: 'c1', name }) as NodeRow));

function harness(canOperate = true) {
  const calls = { search: vi.fn(), reveal: vi.fn(), open: vi.fn(), act: vi.fn() };
  let state!: ReturnType<typeof useNodeKeys>;
  const w = mount(
    defineComponent({
      setup() {
        state = useNodeKeys({
          rows,
          canOperate: () => canOperate,
          focusSearch: calls.search,
          reveal: calls.reveal,
          open: calls.open,
          act: calls.act,
        });
        return () => h('div', [h('input', { 'data-testid': 'field' })]);
      },
    }),
    { attachTo: document.body },
  );
  return { w, calls, state };
}

const press = (key: string, target: EventTarget = document.body) =>
  target.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));

afterEach(() => {
  document.body.innerHTML = '';
});

describe('Nodes page keys', () => {
  it('j/k move the highlight within the list, c and d act on the highlighted node', () => {
    const { w, calls, state } = harness();
    press('j');
    expect(state.highlightedKey.value).toBe('c1/a');
    press('j');
    press('j');
    press('j');
    expect(state.highlightedKey.value).toBe('c1/c');
    expect(calls.reveal).toHaveBeenLastCalledWith(2);
    press('k');
    expect(state.highlightedKey.value).toBe('c1/b');
    press('c');
    expect(calls.act).toHaveBeenLastCalledWith('cordon', rows.value[1]);
    press('d');
    expect(calls.act).toHaveBeenLastCalledWith('drain', rows.value[1]);
    press('/');
    expect(calls.search).toHaveBeenCalledTimes(1);
    press('?');
    expect(state.helpOpen.value).toBe(true);
    w.unmount();
  });

  it('c and d do nothing with no highlighted row or for a viewer', () => {
    const { w, calls } = harness(false);
    press('c');
    expect(calls.act).not.toHaveBeenCalled();
    press('j');
    press('d');
    expect(calls.act).not.toHaveBeenCalled();
    w.unmount();
  });

  it('never fires while typing in a field, with a modifier, or with a dialog open', () => {
    const { w, calls, state } = harness();
    const field = w.find('[data-testid="field"]').element;
    press('j', field);
    press('/', field);
    expect(state.highlightedKey.value).toBeNull();
    expect(calls.search).not.toHaveBeenCalled();
    document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'j', ctrlKey: true, bubbles: true }));
    expect(state.highlightedKey.value).toBeNull();
    const overlay = document.createElement('div');
    overlay.className = 'el-overlay';
    document.body.append(overlay);
    press('j');
    expect(state.highlightedKey.value).toBeNull();
    // A dialog that was opened and closed again leaves its overlay behind, hidden.
    overlay.style.display = 'none';
    press('j');
    expect(state.highlightedKey.value).toBe('c1/a');
    w.unmount();
  });
});

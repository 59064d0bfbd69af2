import { describe, expect, it } from 'vitest';
import { nextTick, ref } from 'vue';
import type { NodeRow } from '../api/types';
import { ApiError } from '../api/http';
import { useEditorSubmit, useOperationSubmit } from './useOperationSubmit';

function deferred() {
  let resolve!: (v: boolean) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<boolean>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('useOperationSubmit', () => {
  it('is busy while the operation runs and closes the dialog when it went ahead', async () => {
    const open = ref(true);
    const { busy, error, submit } = useOperationSubmit(open);
    error.value = 'left over from the last attempt';
    const d = deferred();
    const done = submit(() => d.promise);
    expect(busy.value).toBe(true);
    expect(error.value).toBe('');
    d.resolve(true);
    await done;
    expect(busy.value).toBe(false);
    expect(open.value).toBe(false);
  });

  it('keeps the dialog open when the user backed off', async () => {
    const open = ref(true);
    const { busy, error, submit } = useOperationSubmit(open);
    await submit(async () => false);
    expect(open.value).toBe(true);
    expect(busy.value).toBe(false);
    expect(error.value).toBe('');
  });

  it('shows a failed request with its field and keeps the dialog open', async () => {
    const open = ref(true);
    const { busy, error, submit } = useOperationSubmit(open);
    const d = deferred();
    const done = submit(() => d.promise);
    d.reject(new ApiError(400, 'BadRequest', 'reason is too long', 'reason'));
    await done;
    expect(error.value).toBe('reason is too long (reason)');
    expect(open.value).toBe(true);
    expect(busy.value).toBe(false);
  });
});

describe('useEditorSubmit', () => {
  const node = (name: string, labels: Record<string, string>) => ({ cluster: 'c1', name, labels }) as NodeRow;

  it('snapshots one node on opening so live updates do not reset the editor; a selection starts empty', async () => {
    const open = ref(false);
    const targets = ref([node('n1', { team: 'infra' })]);
    const { current, error } = useEditorSubmit(
      open,
      () => targets.value,
      (n) => ({ ...n.labels }),
    );
    expect(current.value).toBeNull();

    open.value = true;
    await nextTick();
    expect(current.value).toEqual({ team: 'infra' });
    targets.value[0]!.labels.team = 'sre';
    expect(current.value).toEqual({ team: 'infra' });

    error.value = 'failed before';
    open.value = false;
    await nextTick();
    targets.value = [node('n1', {}), node('n2', {})];
    open.value = true;
    await nextTick();
    expect(current.value).toBeNull();
    expect(error.value).toBe('');
  });

  it('allows saving only a valid, non-empty change while nothing is in flight', async () => {
    const open = ref(true);
    const { state, canSave, submit } = useEditorSubmit<{ valid: boolean; empty: boolean }, null>(
      open,
      () => [],
      () => null,
    );
    expect(canSave.value).toBe(false);
    state.value = { valid: false, empty: false };
    expect(canSave.value).toBe(false);
    state.value = { valid: true, empty: true };
    expect(canSave.value).toBe(false);
    state.value = { valid: true, empty: false };
    expect(canSave.value).toBe(true);

    const d = deferred();
    const done = submit(() => d.promise);
    expect(canSave.value).toBe(false);
    d.resolve(false);
    await done;
    expect(canSave.value).toBe(true);
  });
});

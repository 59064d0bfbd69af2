import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/http';
import { useAsyncTask } from './useAsyncTask';
import { useListResource } from './useListResource';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('useAsyncTask', () => {
  it('is running while the task runs, clears a stale error first, and reports success', async () => {
    const { running, error, run } = useAsyncTask();
    error.value = 'left over from the last attempt';
    const d = deferred<void>();
    const done = run(() => d.promise);
    expect(running.value).toBe(true);
    expect(error.value).toBe('');
    d.resolve();
    expect(await done).toBe(true);
    expect(running.value).toBe(false);
  });

  it('keeps a failure as the error (with the field the server named) instead of rejecting', async () => {
    const { running, error, run } = useAsyncTask();
    const ok = await run(async () => {
      throw new ApiError(400, 'BadRequest', 'name is taken', 'name');
    });
    expect(ok).toBe(false);
    expect(error.value).toBe('name is taken (name)');
    expect(running.value).toBe(false);
  });
});

describe('useListResource', () => {
  it('shows nothing and is not loaded until the first read answers', async () => {
    const d = deferred<{ items: string[] }>();
    const r = useListResource(() => d.promise);
    const done = r.load();
    expect(r.loading.value).toBe(true);
    expect(r.loaded.value).toBe(false);
    expect(r.items.value).toEqual([]);
    d.resolve({ items: ['a', 'b'] });
    await done;
    expect(r.items.value).toEqual(['a', 'b']);
    expect(r.loaded.value).toBe(true);
    expect(r.loading.value).toBe(false);
  });

  it('keeps the rows it had when a re-read fails, and drops the error once a read works again', async () => {
    const answers: (() => Promise<{ items: string[] }>)[] = [
      async () => ({ items: ['a'] }),
      async () => {
        throw new Error('connection refused');
      },
      async () => ({ items: ['a', 'b'] }),
    ];
    const r = useListResource(() => answers.shift()!());
    await r.load();
    await r.load();
    expect(r.error.value).toBe('connection refused');
    expect(r.items.value).toEqual(['a']);
    expect(r.loaded.value).toBe(true);
    await r.load();
    expect(r.error.value).toBe('');
    expect(r.items.value).toEqual(['a', 'b']);
  });

  it('a first read that fails leaves the page not loaded', async () => {
    const r = useListResource<string>(async () => {
      throw new Error('forbidden');
    });
    await r.load();
    expect(r.loaded.value).toBe(false);
    expect(r.error.value).toBe('forbidden');
  });
});

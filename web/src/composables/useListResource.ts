/** Load state shared by the console's list pages: what is on screen, whether a read is running, its error. */
import { ref, shallowRef } from 'vue';
import { useAsyncTask } from './useAsyncTask';

/**
 * A read whose result stays on screen. `loaded` stays true after a failed re-read so a page keeps showing the
 * rows it had (with the error above them) instead of blanking back to its first-load spinner.
 */
export function useLoadState() {
  const { running: loading, error, run } = useAsyncTask();
  const loaded = ref(false);

  async function track(read: () => Promise<void>): Promise<void> {
    await run(async () => {
      await read();
      // Inside the task, so the page never renders "read finished" without "loaded" in between.
      loaded.value = true;
    });
  }

  return { loading, loaded, error, track };
}

/**
 * A whole list read in one request. `load` never rejects (a failure lands in `error`), so it can be awaited
 * after a change without a catch of its own and wired straight to a refresh button.
 */
export function useListResource<T>(read: () => Promise<{ items: T[] }>) {
  const { loading, loaded, error, track } = useLoadState();
  // Rows are replaced wholesale on every read, never edited in place: no need to make each one reactive.
  const items = shallowRef<T[]>([]);
  const load = () =>
    track(async () => {
      items.value = (await read()).items;
    });
  return { items, loading, loaded, error, load };
}

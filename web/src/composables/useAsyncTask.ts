/** One request at a time behind a button: whether it is running, and the error it ended with. */
import { ref } from 'vue';
import { errorMessage } from '../nodes/operations';

export function useAsyncTask() {
  const running = ref(false);
  const error = ref('');

  /**
   * Clears the previous error first so a retry never shows a stale one. Never rejects: the error is kept for
   * the page to show where the action was taken, and the result says whether the task went through.
   */
  async function run(task: () => Promise<void>): Promise<boolean> {
    running.value = true;
    error.value = '';
    try {
      await task();
      return true;
    } catch (e) {
      error.value = errorMessage(e);
      return false;
    } finally {
      running.value = false;
    }
  }

  return { running, error, run };
}

/**
 * The signed-in console is built over a few browser tasks instead of one. Mounting the header, the node screen,
 * its dialogs, drawers and menus (each Element Plus select, dropdown and popover mounts its hidden panel and a
 * positioning instance up front) took one 350–550 ms task on a loaded machine: input and paint waited for all
 * of it. Parts a user does not see in the first moment wait for a later stage; each stage is opened in its own
 * task, after the previous one has rendered.
 *
 * Stages are open unless the app's entry holds them (`holdStartStages`), so a component mounted on its own (in
 * component tests, or any screen after the first) renders whole at once.
 */
import { defineComponent, ref } from 'vue';
import { nextTask } from '../live/nextTask';
import { perf } from '../perf';

/** What is seen at once: the header and the screen's table. */
export const STAGE_FIRST = 0;
/** The screen's first filters. */
export const STAGE_CONTROLS = 1;
/** The rest of its filters. */
export const STAGE_MORE_CONTROLS = 2;
/** Menus: column chooser, export, language and user. */
export const STAGE_MENUS = 3;
/** Saved views (its panel stays mounted, to list the views it has loaded). */
export const STAGE_MORE_MENUS = 4;
/** Closed dialogs, drawers and panels. */
export const STAGE_HIDDEN = 5;
const LAST = STAGE_HIDDEN;
const ALL_OPEN = Number.MAX_SAFE_INTEGER;

const reached = ref(ALL_OPEN);
let releasing = false;

/** Called by the app's entry before mounting: later stages wait for `releaseStartStages`. */
export function holdStartStages(): void {
  reached.value = STAGE_FIRST;
  releasing = false;
}

/**
 * Opens the stages one task at a time, from the task in which the first stage rendered. A task (not a
 * microtask) between stages is what lets the browser handle input and paint in between.
 */
export function releaseStartStages(): void {
  if (releasing || reached.value === ALL_OPEN) return;
  releasing = true;
  const next = () => {
    if (reached.value >= LAST) {
      reached.value = ALL_OPEN;
      releasing = false;
      return;
    }
    reached.value += 1;
    perf?.mark(`startStage${reached.value}`);
    nextTask(next);
  };
  nextTask(next);
}

/** Renders its content once the start has reached `at` (always, once the start is over). */
export const StartStage = defineComponent({
  name: 'StartStage',
  props: { at: { type: Number, required: true } },
  setup(props, { slots }) {
    return () => (reached.value >= props.at ? slots.default?.() : slots.placeholder?.());
  },
});

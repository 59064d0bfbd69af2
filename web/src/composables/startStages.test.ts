// The signed-in console is built over several browser tasks: what waits for a later stage appears one task
// at a time, and a component mounted on its own (no held start) renders whole at once.
import { afterEach, describe, expect, it } from 'vitest';
import { defineComponent, h, nextTick } from 'vue';
import { mount } from '@vue/test-utils';
import { afterTask } from '../live/nextTask';
import {
  holdStartStages,
  releaseStartStages,
  StartStage,
  STAGE_CONTROLS,
  STAGE_HIDDEN,
  STAGE_MENUS,
  STAGE_MORE_CONTROLS,
  STAGE_MORE_MENUS,
} from './startStages';

const Screen = defineComponent(
  () => () =>
    h('div', [
      h('p', { id: 'table' }, 'table'),
      h(
        StartStage,
        { at: STAGE_CONTROLS },
        {
          default: () => h('p', { id: 'filters' }, 'filters'),
          placeholder: () => h('p', { id: 'filters-placeholder' }),
        },
      ),
      h(StartStage, { at: STAGE_MORE_CONTROLS }, () => h('p', { id: 'more' }, 'more')),
      h(StartStage, { at: STAGE_MENUS }, () => h('p', { id: 'menus' }, 'menus')),
      h(StartStage, { at: STAGE_MORE_MENUS }, () => h('p', { id: 'saved' }, 'saved')),
      h(StartStage, { at: STAGE_HIDDEN }, () => h('p', { id: 'dialogs' }, 'dialogs')),
    ]),
);

const shown = (w: ReturnType<typeof mount>) =>
  ['table', 'filters-placeholder', 'filters', 'more', 'menus', 'saved', 'dialogs'].filter((id) =>
    w.find(`#${id}`).exists(),
  );

// One browser task, queued behind whatever is already waiting (a stage queued before it runs first).
const aTask = afterTask;

afterEach(async () => {
  // Leave the stages open for the next test file's components.
  for (let i = 0; i < 8; i++) await aTask();
});

describe('start stages', () => {
  it('renders everything at once when the start is not held', () => {
    const w = mount(Screen);
    expect(shown(w)).toEqual(['table', 'filters', 'more', 'menus', 'saved', 'dialogs']);
  });

  it('shows the first stage, then opens one stage per task in order, and stays open afterwards', async () => {
    holdStartStages();
    const w = mount(Screen);
    expect(shown(w)).toEqual(['table', 'filters-placeholder']);
    releaseStartStages();
    // Nothing more in the task that released them: the browser gets to paint and take input first.
    await nextTick();
    expect(shown(w)).toEqual(['table', 'filters-placeholder']);
    const seen: string[][] = [];
    for (let i = 0; i < 5; i++) {
      await aTask();
      await nextTick();
      seen.push(shown(w));
    }
    expect(seen).toEqual([
      ['table', 'filters'],
      ['table', 'filters', 'more'],
      ['table', 'filters', 'more', 'menus'],
      ['table', 'filters', 'more', 'menus', 'saved'],
      ['table', 'filters', 'more', 'menus', 'saved', 'dialogs'],
    ]);
    await aTask();
    // A screen mounted after the start renders whole.
    expect(shown(mount(Screen))).toEqual(['table', 'filters', 'more', 'menus', 'saved', 'dialogs']);
    // Releasing again changes nothing.
    releaseStartStages();
    await aTask();
    await nextTick();
    expect(shown(w)).toEqual(['table', 'filters', 'more', 'menus', 'saved', 'dialogs']);
  });

  it('a start held again begins from the first stage', async () => {
    holdStartStages();
    const w = mount(Screen);
    expect(shown(w)).toEqual(['table', 'filters-placeholder']);
    releaseStartStages();
    await aTask();
    await nextTick();
    expect(shown(w)).toEqual(['table', 'filters']);
  });
});

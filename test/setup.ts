/**
 * Setup of every server-side test: a MaxListenersExceededWarning (a listener leak) fails the test during which
 * it was emitted. Node.js prints it once per process and carries on, so in a green run it only scrolls past.
 */
import { afterEach, expect } from 'vitest';
import { setImmediate as tick } from 'node:timers/promises';

let leaks: string[] = [];
process.on('warning', (w) => {
  if (w.name === 'MaxListenersExceededWarning') leaks.push(w.message);
});

afterEach(async () => {
  // Warnings are emitted on a later tick than the code that caused them.
  await tick();
  const found = leaks;
  leaks = [];
  expect(found, 'MaxListenersExceededWarning').toEqual([]);
});

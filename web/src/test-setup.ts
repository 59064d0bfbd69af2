/**
 * Setup of every console test: a vue-i18n warning (a missing key, a message that looks like HTML) fails the
 * test that caused it. Such warnings otherwise scroll past in a green run and hide real problems.
 */
import { afterEach, beforeEach, expect, vi } from 'vitest';

let warnings: string[] = [];
const original = console.warn;

beforeEach(() => {
  warnings = [];
  vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    const text = args.map(String).join(' ');
    if (text.startsWith('[intlify]')) warnings.push(text);
    else original(...args);
  });
});

afterEach(() => {
  vi.mocked(console.warn).mockRestore();
  expect(warnings, 'vue-i18n warnings').toEqual([]);
});

// Value conventions shared by every table (see schema.ts): one helper per convention so both dialects agree.
import { randomUUID } from 'node:crypto';

/** Timestamp as stored: ISO-8601 UTC with milliseconds (fixed width, sorts as text). */
export const nowIso = (now: Date | number = Date.now()): string => new Date(now).toISOString();

/** Text id for new rows. */
export const newId = (): string => randomUUID();

export const toJson = (value: unknown): string => JSON.stringify(value ?? null);

export function fromJson<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export const toBool = (v: number | boolean | null | undefined): boolean => v === true || v === 1;
export const fromBool = (v: boolean): number => (v ? 1 : 0);

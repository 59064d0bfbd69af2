/**
 * String and small-object interning for cached nodes. Thousands of nodes repeat the same label values,
 * condition messages, versions and capacity maps; sharing one copy is most of why a cached node costs a few
 * KB instead of tens. The pools are bounded: when full they start over (existing references stay valid, only
 * future sharing is lost), so hostile or high-cardinality input cannot grow them without limit.
 */
const MAX_STRINGS = 200_000;
const MAX_OBJECTS = 20_000;

const strings = new Map<string, string>();
const objects = new Map<string, object>();

export function intern<S extends string>(s: S): S;
export function intern(s: string | undefined): string | undefined;
export function intern(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  const v = strings.get(s);
  if (v !== undefined) return v;
  if (strings.size >= MAX_STRINGS) strings.clear();
  strings.set(s, s);
  return s;
}

/** Intern values of a string map in place (keys are already shared: JSON.parse internalizes property names). */
export function internValues(m: Record<string, string> | undefined): Record<string, string> {
  if (!m) return EMPTY;
  let any = false;
  for (const k in m) {
    any = true;
    m[k] = intern(m[k]!);
  }
  return any ? m : EMPTY;
}

/** One shared instance per distinct value (the caller must never mutate it). */
export function internObject<T extends object>(o: T, key: string = JSON.stringify(o)): T {
  const v = objects.get(key);
  if (v !== undefined) return v as T;
  if (objects.size >= MAX_OBJECTS) objects.clear();
  objects.set(key, o);
  return o;
}

export const EMPTY: Record<string, string> = Object.freeze({}) as Record<string, string>;
export const NONE: readonly never[] = Object.freeze([]) as readonly never[];

/** Forget every pooled value (benchmarks attribute memory phase by phase; nothing else needs this). */
export function clearInternPools(): void {
  strings.clear();
  objects.clear();
}

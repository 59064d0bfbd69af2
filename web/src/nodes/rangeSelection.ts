/**
 * Shift-click selection as in a file manager: the rows between the last clicked row (the anchor) and this
 * one, in the order the table shows them, all take this row's new state. Without an anchor still on screen
 * it is a plain toggle.
 */
export function toggleWithRange(
  selected: ReadonlySet<string>,
  order: readonly string[],
  anchor: string | undefined,
  key: string,
  on: boolean,
  range: boolean,
): Set<string> {
  const next = new Set(selected);
  const from = range && anchor !== undefined ? order.indexOf(anchor) : -1;
  const to = from < 0 ? -1 : order.indexOf(key);
  const keys = to < 0 ? [key] : order.slice(Math.min(from, to), Math.max(from, to) + 1);
  for (const k of keys) {
    if (on) next.add(k);
    else next.delete(k);
  }
  return next;
}

/**
 * The leading columns up to the node's name stay in place while the table scrolls sideways, so a wide row
 * never loses which node it is. Header and row cells get the same sticky offsets; the background is the
 * row's own (hover, highlight) so scrolled cells do not show through.
 */
export const FROZEN_THROUGH = 'name';

const STICKY = 'position: sticky; z-index: 1; background: inherit';
const EDGE = 'box-shadow: 1px 0 0 var(--el-border-color)';

/** Adds sticky offsets to every column up to and including `last`; later columns are left as they are. */
export function freezeLeading<T extends { key: string; style: string }>(
  cols: T[],
  widthOf: (c: T) => number,
  last = FROZEN_THROUGH,
): T[] {
  const end = cols.findIndex((c) => c.key === last);
  if (end < 0) return cols;
  let left = 0;
  return cols.map((c, i) => {
    if (i > end) return c;
    const style = `${c.style}; ${STICKY}; left: ${left}px${i === end ? `; ${EDGE}` : ''}`;
    left += widthOf(c);
    return { ...c, style };
  });
}

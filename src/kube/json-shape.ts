/**
 * Checks the shape of JSON bytes before they are parsed: nesting depth and the number of arrays and objects.
 * `JSON.parse` has neither bound, and what it builds is what the heap pays for. One pass over the bytes;
 * string contents are skipped with a native search, so long strings (most of a Kubernetes object) cost
 * little. Malformed JSON is not diagnosed here — `JSON.parse` does that afterwards.
 */
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJ = 0x7b;
const OPEN_ARR = 0x5b;
const CLOSE_OBJ = 0x7d;
const CLOSE_ARR = 0x5d;

export type ShapeViolation = 'depth' | 'containers';

export function jsonShapeViolation(
  buf: Uint8Array,
  maxDepth: number,
  maxContainers: number,
): ShapeViolation | undefined {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const len = b.length;
  let depth = 0;
  let containers = 0;
  for (let i = 0; i < len; i++) {
    const c = b[i]!;
    if (c === QUOTE) {
      // Jump to the closing quote: the first one not escaped by an odd run of backslashes.
      let j = i;
      for (;;) {
        j = b.indexOf(QUOTE, j + 1);
        if (j < 0) return undefined; // unterminated string: JSON.parse will refuse it
        let k = j - 1;
        while (b[k] === BACKSLASH) k--;
        if ((j - 1 - k) % 2 === 0) break;
      }
      i = j;
    } else if (c === OPEN_OBJ || c === OPEN_ARR) {
      if (++depth > maxDepth) return 'depth';
      if (++containers > maxContainers) return 'containers';
    } else if (c === CLOSE_OBJ || c === CLOSE_ARR) {
      depth--;
    }
  }
  return undefined;
}

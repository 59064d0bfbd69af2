/**
 * Splits a byte stream into lines (a WATCH answer is one JSON event per line) with a bound on line length.
 * Each chunk is searched once for newlines: bytes already buffered are never scanned again, so an endless
 * line costs linear time, and it is refused as soon as it passes the bound instead of growing forever.
 */
export class LineTooLongError extends Error {
  constructor(readonly limit: number) {
    super(`a line exceeded ${limit} bytes`);
    this.name = 'LineTooLongError';
  }
}

export class LineSplitter {
  private parts: Buffer[] = [];
  private pending = 0;
  private scanned = 0;

  constructor(private readonly maxLineBytes: number) {}

  /** Bytes held for an unfinished line. */
  get bufferedBytes(): number {
    return this.pending;
  }

  /** Bytes searched for newlines so far (equals bytes fed: nothing is searched twice). */
  get scannedBytes(): number {
    return this.scanned;
  }

  /** Feeds one chunk; returns the lines it completed (without the newline). Throws LineTooLongError. */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl < 0 ? chunk.length : nl;
      this.scanned += end - start + (nl < 0 ? 0 : 1);
      if (this.pending + (end - start) > this.maxLineBytes) {
        this.parts = [];
        this.pending = 0;
        throw new LineTooLongError(this.maxLineBytes);
      }
      const piece = chunk.subarray(start, end);
      if (nl < 0) {
        if (piece.length) {
          this.parts.push(piece);
          this.pending += piece.length;
        }
        return out;
      }
      out.push(this.parts.length ? Buffer.concat([...this.parts, piece]) : piece);
      this.parts = [];
      this.pending = 0;
      start = nl + 1;
    }
  }
}

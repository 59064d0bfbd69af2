import { describe, expect, it } from 'vitest';
import { LineSplitter, LineTooLongError } from '../../src/kube/lines.js';

const text = (bufs: Buffer[]) => bufs.map((b) => b.toString('utf8'));

describe('LineSplitter', () => {
  it('splits lines across and within chunks, multi-byte characters included', () => {
    const s = new LineSplitter(1024);
    const all = Buffer.from('{"a":1}\n{"b":"ü€"}\n\n{"c":3}\n{"d"');
    const out: string[] = [];
    // One byte at a time: every line end and every UTF-8 sequence is split across chunks.
    for (let i = 0; i < all.length; i++) out.push(...text(s.push(all.subarray(i, i + 1))));
    expect(out).toEqual(['{"a":1}', '{"b":"ü€"}', '', '{"c":3}']);
    expect(s.bufferedBytes).toBe(4);
    expect(text(s.push(Buffer.from(':4}\n')))).toEqual(['{"d":4}']);
  });

  it('searches each byte once: an endless line costs linear time', () => {
    const s = new LineSplitter(64 * 1024 * 1024);
    const chunk = Buffer.alloc(16 * 1024, 'a');
    for (let i = 0; i < 2000; i++) expect(s.push(chunk)).toEqual([]);
    // 2,000 chunks into a 32 MB line: the quadratic splitter rescanned ~32 GB here.
    expect(s.scannedBytes).toBe(2000 * chunk.length);
    expect(s.bufferedBytes).toBe(2000 * chunk.length);
  });

  it('refuses a line as soon as it passes the bound and keeps nothing of it', () => {
    const s = new LineSplitter(100);
    expect(text(s.push(Buffer.from('x'.repeat(60))))).toEqual([]);
    expect(() => s.push(Buffer.from('y'.repeat(41)))).toThrow(LineTooLongError);
    expect(s.bufferedBytes).toBe(0);
    // A line of exactly the bound is fine.
    expect(text(s.push(Buffer.from('z'.repeat(100) + '\n')))).toEqual(['z'.repeat(100)]);
    // The bound holds inside one big chunk too.
    expect(() => s.push(Buffer.from('ok\n' + 'w'.repeat(101) + '\n'))).toThrow(LineTooLongError);
  });
});

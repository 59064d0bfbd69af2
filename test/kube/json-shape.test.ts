import { describe, expect, it } from 'vitest';
import { jsonShapeViolation } from '../../src/kube/json-shape.js';

const shape = (s: string, depth = 3, containers = 100) =>
  jsonShapeViolation(Buffer.from(s), depth, containers);

describe('jsonShapeViolation', () => {
  it('measures nesting of arrays and objects, not of brackets inside strings', () => {
    expect(shape('{"a":[{"b":1}]}')).toBeUndefined();
    expect(shape('{"a":[{"b":[1]}]}')).toBe('depth');
    expect(shape('{"a":"[[[[{{{{"}')).toBeUndefined();
    // Escaped quotes do not end a string; an escaped backslash before a quote does.
    expect(shape('{"a":"\\"[[[[\\"","b":"\\\\"}')).toBeUndefined();
    expect(shape('{"a":"\\\\","b":[[[[]]]]}')).toBe('depth');
  });

  it('counts arrays and objects (the outer one included)', () => {
    expect(shape('[' + '{},'.repeat(98) + '{}]', 3, 100)).toBeUndefined();
    expect(shape('[' + '{},'.repeat(99) + '{}]', 3, 100)).toBe('containers');
  });

  it('leaves malformed input to JSON.parse', () => {
    expect(shape('{"a":"unterminated')).toBeUndefined();
    expect(shape('}}}]]]')).toBeUndefined();
  });

  it('handles a realistic 20 MB list quickly enough to run on every page', () => {
    const node = JSON.stringify({
      metadata: {
        name: 'n',
        labels: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, 'v'.repeat(40)])),
      },
      status: {
        images: Array.from({ length: 50 }, (_, i) => ({ names: [`registry/image-${i}:tag`], sizeBytes: i })),
      },
    });
    const page = Buffer.from(
      `{"items":[${Array.from({ length: Math.ceil(20e6 / node.length) }, () => node).join(',')}]}`,
    );
    expect(jsonShapeViolation(page, 100, 2_000_000)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import en from './en';
import zhCN from './zh-CN';
import { detectLocale } from './index';

function keys(o: object, prefix = ''): string[] {
  return Object.entries(o).flatMap(([k, v]) =>
    v && typeof v === 'object' ? keys(v as object, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

describe('interface languages', () => {
  it('have the same keys in English and Simplified Chinese', () => {
    expect(keys(zhCN).sort()).toEqual(keys(en).sort());
  });

  it('use the same placeholders in both languages', () => {
    const placeholders = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
    const flat = (o: object, prefix = ''): [string, string][] =>
      Object.entries(o).flatMap(([k, v]) =>
        v && typeof v === 'object'
          ? flat(v as object, `${prefix}${k}.`)
          : [[`${prefix}${k}`, String(v)] as [string, string]],
      );
    const zh = new Map(flat(zhCN));
    for (const [k, v] of flat(en)) expect(placeholders(zh.get(k) ?? ''), k).toEqual(placeholders(v));
  });

  it('default to the browser language, remembered choice first', () => {
    expect(detectLocale(null, ['zh-CN', 'en'])).toBe('zh-CN');
    expect(detectLocale(null, ['zh-TW'])).toBe('zh-CN');
    expect(detectLocale(null, ['en-GB', 'zh-CN'])).toBe('en');
    expect(detectLocale(null, ['de-DE'])).toBe('en');
    expect(detectLocale('en', ['zh-CN'])).toBe('en');
  });
});

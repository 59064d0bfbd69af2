import { describe, expect, it, vi } from 'vitest';
import { createI18n } from 'vue-i18n';
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

  it('render every message in both languages without a vue-i18n warning (nothing it takes for HTML)', () => {
    const i18n = createI18n({ legacy: false, locale: 'en', messages: { en, 'zh-CN': zhCN } });
    for (const locale of ['en', 'zh-CN'] as const) {
      for (const k of keys(en)) expect(i18n.global.t(k, {}, { locale }), `${locale} ${k}`).not.toBe('');
    }
    // console.warn is a spy of the setup file (web/src/test-setup.ts) for every console test.
    const warned = vi.mocked(console.warn).mock.calls.map((c) => c.map(String).join(' '));
    expect(warned.filter((w) => w.startsWith('[intlify]'))).toEqual([]);
  });

  it('default to the browser language, remembered choice first', () => {
    expect(detectLocale(null, ['zh-CN', 'en'])).toBe('zh-CN');
    expect(detectLocale(null, ['zh-TW'])).toBe('zh-CN');
    expect(detectLocale(null, ['en-GB', 'zh-CN'])).toBe('en');
    expect(detectLocale(null, ['de-DE'])).toBe('en');
    expect(detectLocale('en', ['zh-CN'])).toBe('en');
  });
});

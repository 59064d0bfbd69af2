/** Interface language: Simplified Chinese or English, from the browser by default, switchable, remembered. */
import { computed } from 'vue';
import { createI18n } from 'vue-i18n';
import elEn from 'element-plus/es/locale/lang/en';
import elZhCn from 'element-plus/es/locale/lang/zh-cn';
import en from './en';
import zhCN from './zh-CN';

export type Locale = 'en' | 'zh-CN';
export const LOCALES: { value: Locale; label: string }[] = [
  { value: 'zh-CN', label: '简体中文' },
  { value: 'en', label: 'English' },
];

const KEY = 'knm.locale';

export function detectLocale(saved: string | null, browser: readonly string[]): Locale {
  if (saved === 'en' || saved === 'zh-CN') return saved;
  for (const l of browser) {
    const lower = l.toLowerCase();
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

function browserLanguages(): readonly string[] {
  if (typeof navigator === 'undefined') return [];
  return navigator.languages?.length ? navigator.languages : [navigator.language];
}

const savedLocale = typeof localStorage !== 'undefined' ? localStorage.getItem(KEY) : null;

export const i18n = createI18n({
  legacy: false,
  locale: detectLocale(savedLocale, browserLanguages()),
  fallbackLocale: 'en',
  messages: { en, 'zh-CN': zhCN },
});

export function setLocale(l: Locale): void {
  i18n.global.locale.value = l;
  localStorage.setItem(KEY, l);
  document.documentElement.lang = l;
}

export const elementLocale = computed(() => (i18n.global.locale.value === 'zh-CN' ? elZhCn : elEn));

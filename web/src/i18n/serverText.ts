/**
 * The server's messages in the interface language: a message with a code this console knows is rendered from
 * the code and its parameters; an unknown code, or a message without one, shows the server's English text.
 */
import type { MessageCode, MessageCodeFields } from '../../../src/messages/codes';
import { i18n } from './index';
import * as en from './server-en';
import * as zh from './server-zh-CN';

const LANGS = { en, 'zh-CN': zh } as const;

function fill(template: string, params: Record<string, string | number>, values: Record<string, string>) {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = params[name];
    if (v === undefined) return whole;
    return typeof v === 'string' ? (values[v] ?? v) : String(v);
  });
}

/** Text for `m` in `locale` (default: the interface language). */
export function serverText(
  m: { message?: string } & MessageCodeFields,
  locale: string = i18n.global.locale.value,
): string {
  const fallback = m.message ?? '';
  const code = m.messageCode;
  const lang = LANGS[locale as keyof typeof LANGS] ?? LANGS.en;
  if (!code || !Object.hasOwn(lang.texts, code)) return fallback;
  const params = m.messageParams ?? {};
  let out = fill(lang.texts[code as MessageCode], params, lang.values);
  for (const [name, part] of Object.entries(lang.extras[code as MessageCode] ?? {})) {
    const v = params[name];
    if (v !== undefined && v !== 0 && v !== '') out += fill(part, params, lang.values);
  }
  return out;
}

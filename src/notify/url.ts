// What a webhook URL may be, and the only parts of it that may be shown or logged.
import { badRequest } from '../errors.js';

const MAX_URL = 2048;

/**
 * Accepts absolute http(s) URLs only. Userinfo (`https://user:pass@host/`) is refused rather than stripped:
 * it would be sent as credentials, and the admin should put a secret where it is stored encrypted instead.
 */
export function parseWebhookUrl(raw: unknown, field = 'url'): URL {
  if (typeof raw !== 'string' || raw.trim() === '') throw badRequest('url is required', field);
  if (raw.length > MAX_URL) throw badRequest(`url must be at most ${MAX_URL} characters`, field);
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw badRequest('url is not a valid absolute URL', field);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw badRequest('url must start with http:// or https://', field);
  if (u.username !== '' || u.password !== '')
    throw badRequest('url must not contain a user name or password; use the signing secret instead', field);
  if (u.hostname === '') throw badRequest('url has no host', field);
  u.hash = '';
  return u;
}

/** `https://hooks.example.com/…`: origin only, since paths and queries of chat webhooks are tokens. */
export function displayUrl(u: URL): string {
  return `${u.origin}/…`;
}

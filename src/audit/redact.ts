/**
 * What an audit entry may keep of a request: secrets are replaced by a marker and oversized values are cut, so
 * the audit log can never become the place a password or kubeconfig leaks from.
 */
const SECRET_KEY =
  /^(password|currentpassword|newpassword|secret|token|kubeconfig|authorization|cookie|csrftoken|clientkey|clientkeydata|clientcertificatedata|privatekey|credentials?|apikey|bearer)$/i;
const MAX_STRING = 1024;
const MAX_ITEMS = 200;
const MAX_DEPTH = 6;

export const REDACTED = '[redacted]';

function clean(value: unknown, depth: number): unknown {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.length > MAX_STRING ? value.slice(0, MAX_STRING) + '…' : value;
  if (depth >= MAX_DEPTH) return '…';
  if (Array.isArray(value)) {
    const out = value.slice(0, MAX_ITEMS).map((v) => clean(v, depth + 1));
    if (value.length > MAX_ITEMS) out.push(`… ${value.length - MAX_ITEMS} more`);
    return out;
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    let n = 0;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (n++ >= MAX_ITEMS) {
        out['…'] = 'more keys omitted';
        break;
      }
      out[k] = SECRET_KEY.test(k.replace(/[-_]/g, '')) ? REDACTED : clean(v, depth + 1);
    }
    return out;
  }
  return undefined;
}

/** A copy of `params` safe to store: secret-named keys redacted at any depth, sizes bounded. */
export function sanitizeParams(params: unknown): Record<string, unknown> | undefined {
  if (params === undefined || params === null) return undefined;
  const c = clean(params, 0);
  if (c && typeof c === 'object' && !Array.isArray(c)) return c as Record<string, unknown>;
  return { value: c };
}

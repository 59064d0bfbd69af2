/**
 * Kubeconfig users with the `oidc` auth-provider (kubectl's): the id-token is sent as the bearer token and,
 * once it has expired, renewed with the refresh-token at the provider's token endpoint.
 *
 * Why not `@kubernetes/client-node`'s own OIDC support: it hands openid-client 6 the issuer as a string
 * (which fails with `"server" must be an instance of URL` the moment a token needs refreshing), takes the
 * token lifetime for an expiry time (so it would refresh on every call once it did work), and ignores
 * `idp-certificate-authority-data`. Here openid-client does discovery and the refresh grant (it checks the
 * new id-token's issuer, audience and expiry); the provider's answers are read through a bounded HTTPS
 * fetch that trusts the kubeconfig's CA when it gives one. The id-token is not verified here: it is not an
 * identity claim made to us but the credential we present, and the API server verifies it.
 */
import https from 'node:https';
import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { KubeError } from './errors.js';

/** The `auth-provider.config` keys kubectl writes for `oidc`. */
export interface OidcProviderConfig {
  'id-token'?: string;
  'refresh-token'?: string;
  'idp-issuer-url'?: string;
  'client-id'?: string;
  'client-secret'?: string;
  'idp-certificate-authority-data'?: string;
  'idp-certificate-authority'?: string;
}

/** Renew this long before the id-token's `exp`, so a token does not expire between check and use. */
const EXPIRY_MARGIN_SECONDS = 10;
/** The provider's answers (discovery document, token response) are small. */
const MAX_IDP_ANSWER_BYTES = 1024 * 1024;
const IDP_TIMEOUT_MS = 15_000;

/** Seconds since the epoch at which the token expires; undefined when it is not a JWT or has no `exp`. */
export function tokenExpiry(token: string | undefined): number | undefined {
  if (!token) return undefined;
  try {
    const exp = decodeJwt(token).exp;
    return typeof exp === 'number' ? exp : undefined;
  } catch {
    return undefined;
  }
}

/** What keeps an oidc user from working once its id-token expires, or undefined when it can refresh. */
export function whyNotRefreshable(c: OidcProviderConfig): string | undefined {
  const missing = (['refresh-token', 'idp-issuer-url', 'client-id'] as const).filter((k) => !c[k]);
  if (missing.length) return `it has no ${missing.join(', ')}`;
  let url: URL;
  try {
    url = new URL(c['idp-issuer-url']!);
  } catch {
    return 'its idp-issuer-url is not a URL';
  }
  if (url.protocol !== 'https:') return 'its idp-issuer-url is not https';
  if (c['idp-certificate-authority'] && !c['idp-certificate-authority-data'])
    return 'idp-certificate-authority refers to a file; inline it as idp-certificate-authority-data';
  return undefined;
}

/** A fetch for openid-client over node:https: the kubeconfig's CA, a deadline, a bound on the answer. */
function boundedFetch(ca: string | undefined): oidc.CustomFetch {
  return (url, options) =>
    new Promise<Response>((resolve, reject) => {
      const req = https.request(
        url,
        { method: options.method, headers: options.headers, ...(ca ? { ca } : {}), timeout: IDP_TIMEOUT_MS },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_IDP_ANSWER_BYTES) {
              req.destroy(new Error(`the identity provider's answer passed ${MAX_IDP_ANSWER_BYTES} bytes`));
              return;
            }
            chunks.push(c);
          });
          res.on('error', reject);
          res.on('end', () => {
            const headers = new Headers();
            for (const [k, v] of Object.entries(res.headers)) {
              if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
            }
            resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 0, headers }));
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('the identity provider did not answer in time')));
      req.on('error', reject);
      const body = options.body;
      if (typeof body === 'string' || body instanceof Uint8Array) req.write(body);
      else if (body instanceof URLSearchParams) req.write(body.toString());
      req.end();
    });
}

export class OidcTokenSource {
  private idToken: string | undefined;
  private refreshToken: string | undefined;
  private refreshing?: Promise<string>;
  private config?: oidc.Configuration;
  private readonly ca: string | undefined;

  constructor(
    private readonly c: OidcProviderConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.idToken = c['id-token'];
    this.refreshToken = c['refresh-token'];
    const caData = c['idp-certificate-authority-data'];
    this.ca = caData ? Buffer.from(caData, 'base64').toString('utf8') : undefined;
  }

  /** The bearer token to send now: the id-token while valid, else a freshly refreshed one. */
  async token(): Promise<string> {
    const exp = tokenExpiry(this.idToken);
    // A token that is not a JWT (or has no exp) is sent as it is: the API server decides.
    if (this.idToken && (exp === undefined || exp - EXPIRY_MARGIN_SECONDS > this.now() / 1000)) {
      return this.idToken;
    }
    // Concurrent calls share one refresh: a rotated refresh-token may be used only once.
    this.refreshing ??= this.refresh().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async refresh(): Promise<string> {
    const why = whyNotRefreshable({ ...this.c, 'refresh-token': this.refreshToken });
    if (why) {
      throw new KubeError(
        'Unauthorized',
        `the OIDC id-token has expired and cannot be refreshed: ${why}`,
        401,
      );
    }
    try {
      this.config ??= await oidc.discovery(
        new URL(this.c['idp-issuer-url']!),
        this.c['client-id']!,
        this.c['client-secret'] || undefined,
        this.c['client-secret'] ? undefined : oidc.None(),
        { [oidc.customFetch]: boundedFetch(this.ca), timeout: IDP_TIMEOUT_MS / 1000 },
      );
      const tokens = await oidc.refreshTokenGrant(this.config, this.refreshToken!);
      if (!tokens.id_token) throw new Error('the token endpoint answered without an id_token');
      this.idToken = tokens.id_token;
      if (tokens.refresh_token) this.refreshToken = tokens.refresh_token;
      return this.idToken;
    } catch (e) {
      this.config = undefined;
      // openid-client's own text, plus the provider's OAuth error code (e.g. invalid_grant) when it sent one.
      const code = (e as { error?: unknown })?.error;
      const msg =
        `${String((e as Error)?.message ?? e)}${typeof code === 'string' ? ` (${code})` : ''}`.slice(0, 300);
      throw new KubeError('Unauthorized', `the OIDC id-token could not be refreshed: ${msg}`, 401);
    }
  }
}

/**
 * A real OpenID provider for tests: oidc-provider (OpenID-certified) on a loopback port, with a signing key the
 * test knows (so it can forge tokens the provider never issued), test users whose groups can be changed between
 * sign-ins, a `groups` claim, PKCE required, RP-initiated logout, and its own login and consent pages
 * (oidc-provider's development interactions: any password is accepted, the account must exist). `authorize`
 * walks those pages over HTTP for tests that run without a browser.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, { type Account } from 'oidc-provider';

export interface IdpUser {
  /** preferred_username; absent to test a provider that does not send one. */
  username?: string;
  email?: string;
  /** Absent: the provider sends no groups claim at all. */
  groups?: string[];
}

export interface TestIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The provider's signing key (private JWK with kid), to sign tokens "as the provider". */
  signingKey: JWK;
  users: Map<string, IdpUser>;
  /** Re-register the client's redirect base (the console's origin), e.g. once an e2e server's port is known. */
  close(): Promise<void>;
}

export async function listenOn(port = 0): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

export async function startIdp(opts: {
  /** Origins of the console(s) that will sign in here; each gets its callback and logout URI registered. */
  redirectBases: string[];
  users: Record<string, IdpUser>;
  /** Listen on this port (0 = any free one). */
  port?: number;
}): Promise<TestIdp> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
  const users = new Map(Object.entries(opts.users));
  const { server, port } = await listenOn(opts.port ?? 0);
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = 'kube-node-manager';
  const clientSecret = 'test-client-secret-0123456789';

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: opts.redirectBases.map((b) => `${b}/api/v1/auth/oidc/callback`),
        post_logout_redirect_uris: opts.redirectBases.map((b) => `${b}/`),
        response_types: ['code'],
        grant_types: ['authorization_code'],
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: ['test-only-cookie-signing-key'] },
    pkce: { required: () => true },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
    scopes: ['openid', 'profile', 'email', 'groups'],
    claims: {
      openid: ['sub'],
      profile: ['preferred_username', 'name'],
      email: ['email'],
      groups: ['groups'],
    },
    // Claims in the ID token itself (as Dex, Keycloak and Entra ID put groups there), not only at userinfo.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    async findAccount(_ctx: unknown, id: string): Promise<Account | undefined> {
      if (!users.has(id)) return undefined;
      return {
        accountId: id,
        // Read at token time, so a test can change a user's groups between two sign-ins.
        claims: () => {
          const u = users.get(id) ?? {};
          return {
            sub: id,
            ...(u.username !== undefined ? { preferred_username: u.username, name: u.username } : {}),
            ...(u.email !== undefined ? { email: u.email } : {}),
            ...(u.groups !== undefined ? { groups: u.groups } : {}),
          };
        },
      };
    },
  });
  // Quiet: the provider reports every refused request (the tests make many on purpose).
  provider.on('server_error', () => undefined);
  server.on('request', provider.callback());

  return {
    issuer,
    clientId,
    clientSecret,
    signingKey,
    users,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A minimal cookie jar for one host. */
class Jar {
  private readonly cookies = new Map<string, string>();
  take(res: Response) {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(c) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

function decodeHtml(s: string) {
  return s
    .replace(/&amp;/g, '&')
    .replace(/&#x2F;/gi, '/')
    .replace(/&#47;/g, '/');
}

/**
 * Walks the provider's own pages as a browser would: follows redirects, signs in as `login` on the login form,
 * confirms consent, and stops at the redirect back to the console. Returns that callback URL.
 */
export async function authorize(authorizationUrl: string, login: string, stopAt: string): Promise<URL> {
  const jar = new Jar();
  let url = authorizationUrl;
  let method = 'GET';
  let body: URLSearchParams | undefined;
  for (let step = 0; step < 20; step++) {
    if (url.startsWith(stopAt)) return new URL(url);
    const res = await fetch(url, {
      method,
      body,
      redirect: 'manual',
      headers: {
        cookie: jar.header(),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
    });
    jar.take(res);
    method = 'GET';
    body = undefined;
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      url = new URL(location, url).href;
      continue;
    }
    const html = await res.text();
    const form = /<form[^>]*action="([^"]+)"[^>]*method="post"[\s\S]*?<\/form>/i.exec(html);
    if (res.status !== 200 || !form)
      throw new Error(`unexpected page at ${url}: ${res.status} ${html.slice(0, 300)}`);
    const fields = new URLSearchParams();
    for (const m of form[0].matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/gi)) {
      fields.set(m[1]!, decodeHtml(m[2]!));
    }
    if (/name="login"/.test(form[0])) {
      fields.set('login', login);
      fields.set('password', 'any-password');
    }
    url = new URL(decodeHtml(form[1]!), url).href;
    method = 'POST';
    body = fields;
  }
  throw new Error('the provider never redirected back');
}

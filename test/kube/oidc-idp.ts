// A local OpenID provider's token side, over HTTPS with its own certificate: discovery and a token endpoint
// that honours refresh tokens once each (rotating them) and answers RS256-signed ID tokens.
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { generateKeyPair, SignJWT, type CryptoKey } from 'jose';

export const CLIENT_ID = 'kubernetes';
export const CLIENT_SECRET = 'idp-client-secret';

export interface TestIdp {
  issuer: string;
  caPem: string;
  /** Refresh grants seen, with the refresh token each presented. */
  grants: string[];
  /** Sign an ID token for this issuer expiring `expiresIn` seconds from now (negative: already expired). */
  idToken(expiresIn: number, sub?: string): Promise<string>;
  /** The next refresh answers this ID token and this new refresh token. */
  answerNext(idToken: string, refreshToken: string): void;
  /** Refresh tokens the provider accepts (each once). */
  accept(refreshToken: string): void;
  close(): Promise<void>;
}

export async function startIdp(tls: { key: string; cert: string }): Promise<TestIdp> {
  const { privateKey } = await generateKeyPair('RS256');
  const key: CryptoKey = privateKey;
  const accepted = new Set<string>();
  const grants: string[] = [];
  let next: { idToken: string; refreshToken: string } | undefined;
  let issuer = '';
  const server = https.createServer(tls, (req, res) => {
    const json = (code: number, body: unknown) => {
      res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/.well-known/openid-configuration') {
      return json(200, {
        issuer,
        token_endpoint: `${issuer}/token`,
        authorization_endpoint: `${issuer}/auth`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      });
    }
    if (req.url === '/token' && req.method === 'POST') {
      let body = '';
      req.setEncoding('utf8').on('data', (c: string) => (body += c));
      req.on('end', () => {
        const p = new URLSearchParams(body);
        const basic = Buffer.from(
          (req.headers.authorization ?? '').replace(/^Basic /, ''),
          'base64',
        ).toString();
        const [id, secret] = basic.includes(':')
          ? basic.split(':').map(decodeURIComponent)
          : [p.get('client_id'), p.get('client_secret')];
        if (id !== CLIENT_ID || secret !== CLIENT_SECRET) return json(401, { error: 'invalid_client' });
        const rt = p.get('refresh_token') ?? '';
        grants.push(rt);
        if (p.get('grant_type') !== 'refresh_token' || !accepted.delete(rt) || !next) {
          return json(400, { error: 'invalid_grant', error_description: 'refresh token is not valid' });
        }
        const answer = next;
        next = undefined;
        accepted.add(answer.refreshToken);
        return json(200, {
          access_token: 'opaque-access-token',
          token_type: 'Bearer',
          expires_in: 3600,
          id_token: answer.idToken,
          refresh_token: answer.refreshToken,
        });
      });
      return;
    }
    json(404, { error: 'not_found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    caPem: tls.cert,
    grants,
    idToken: (expiresIn, sub = 'alice') => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ email: `${sub}@example.test` })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(issuer)
        .setAudience(CLIENT_ID)
        .setSubject(sub)
        .setIssuedAt(now - 60)
        .setExpirationTime(now + expiresIn)
        .sign(key);
    },
    answerNext: (idToken, refreshToken) => (next = { idToken, refreshToken }),
    accept: (rt) => accepted.add(rt),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A kubeconfig (JSON) whose user is kubectl's oidc auth-provider. */
export function oidcKubeconfig(
  server: string,
  idp: TestIdp,
  cfg: Record<string, string | undefined>,
): string {
  const config = Object.fromEntries(
    Object.entries({
      'idp-issuer-url': idp.issuer,
      'client-id': CLIENT_ID,
      'client-secret': CLIENT_SECRET,
      'idp-certificate-authority-data': Buffer.from(idp.caPem).toString('base64'),
      ...cfg,
    }).filter(([, v]) => v !== undefined),
  );
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'alice', user: { 'auth-provider': { name: 'oidc', config } } }],
    contexts: [{ name: 'oidc', context: { cluster: 'c', user: 'alice' } }],
    'current-context': 'oidc',
  });
}

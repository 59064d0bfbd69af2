// Kubeconfigs with kubectl's oidc auth-provider: a valid id-token is sent as it is; an expired one is renewed
// at the provider (a local HTTPS token endpoint trusted through idp-certificate-authority-data) and the new
// one sent; a kubeconfig whose expired token cannot be renewed is refused when it is added.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpKubeClient, kubeConfigFromText } from '../../src/kube/client.js';
import { KubeError } from '../../src/kube/errors.js';
import { selfSignedCert, startFakeApi, type FakeApi } from '../clusters/fake-apiserver.js';
import { makeTestApp, type TestApp } from '../server/harness.js';
import { oidcKubeconfig, startIdp, type TestIdp } from './oidc-idp.js';

let idp: TestIdp;
const closers: (() => Promise<void> | void)[] = [];
// The provider's certificate comes from the openssl CLI (.ci/run installs it); without it these tests are skipped.
const tls = selfSignedCert();
if (!tls) console.warn('oidc auth-provider tests skipped: the openssl command is not installed');
const describeTls = tls ? describe : describe.skip;

beforeAll(async () => {
  if (!tls) return;
  idp = await startIdp(tls);
  closers.push(() => idp.close());
});
afterAll(async () => {
  for (const c of closers.reverse()) await c();
});

async function api(token: string): Promise<FakeApi> {
  const f = await startFakeApi({ token });
  closers.push(() => f.close());
  return f;
}

function client(kubeconfig: string): HttpKubeClient {
  const c = new HttpKubeClient('oidc', kubeConfigFromText(kubeconfig), 10_000);
  closers.push(() => c.close());
  return c;
}

describeTls('oidc auth-provider', () => {
  it('sends a valid id-token as it is, without asking the provider', async () => {
    const valid = await idp.idToken(3600);
    const f = await api(valid);
    const before = idp.grants.length;
    const c = client(oidcKubeconfig(f.url, idp, { 'id-token': valid, 'refresh-token': 'unused' }));
    expect(await c.request({ path: '/version' })).toMatchObject({ gitVersion: 'v1.31.4' });
    expect(f.authHeaders.at(-1)).toBe(`Bearer ${valid}`);
    expect(idp.grants.length).toBe(before);
  });

  it('refreshes an expired id-token once, uses the new one, and keeps the rotated refresh-token', async () => {
    const expired = await idp.idToken(-600);
    const fresh = await idp.idToken(2);
    const f = await api(fresh);
    idp.accept('r1');
    idp.answerNext(fresh, 'r2');
    const c = client(oidcKubeconfig(f.url, idp, { 'id-token': expired, 'refresh-token': 'r1' }));
    // Concurrent calls share one refresh: a rotated refresh-token can be used only once.
    await Promise.all([
      c.request({ path: '/version' }),
      c.request({ path: '/api/v1/nodes', query: { limit: 1 } }),
    ]);
    expect(idp.grants.filter((g) => g === 'r1')).toHaveLength(1);
    expect(f.authHeaders.slice(-2)).toEqual([`Bearer ${fresh}`, `Bearer ${fresh}`]);
    // The new token expires within the refresh margin: the next call refreshes again, with the rotated token.
    const third = await idp.idToken(3600);
    idp.answerNext(third, 'r3');
    await c.request({ path: '/version' }).catch(() => undefined);
    expect(idp.grants.at(-1)).toBe('r2');
  });

  it('a refresh the provider refuses fails the call as Unauthorized, saying why', async () => {
    const f = await api('never');
    const c = client(
      oidcKubeconfig(f.url, idp, { 'id-token': await idp.idToken(-60), 'refresh-token': 'revoked' }),
    );
    const e = await c.request({ path: '/version' }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(KubeError);
    expect((e as KubeError).reason).toBe('Unauthorized');
    expect((e as KubeError).message).toMatch(/could not be refreshed: .*invalid_grant/);
    expect(f.authHeaders).toHaveLength(0);
  });
});

describeTls('adding a cluster whose user is oidc', () => {
  let a: TestApp;
  beforeAll(async () => {
    a = await makeTestApp();
    closers.push(() => a.close());
  });

  it('works with an expired id-token that can be refreshed (it failed with "server" must be an instance of URL)', async () => {
    const fresh = await idp.idToken(3600);
    const f = await api(fresh);
    idp.accept('add-r1');
    idp.answerNext(fresh, 'add-r2');
    const res = await a.call('POST', '/api/v1/clusters', {
      name: 'oidc-expired',
      source: 'kubeconfig',
      kubeconfig: oidcKubeconfig(f.url, idp, {
        'id-token': await idp.idToken(-3600),
        'refresh-token': 'add-r1',
      }),
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(f.authHeaders.every((h) => h === `Bearer ${fresh}`)).toBe(true);
    expect(res.body).not.toContain('add-r1');
  });

  it('works with a valid id-token', async () => {
    const valid = await idp.idToken(3600);
    const f = await api(valid);
    const res = await a.call('POST', '/api/v1/clusters', {
      name: 'oidc-valid',
      source: 'kubeconfig',
      kubeconfig: oidcKubeconfig(f.url, idp, { 'id-token': valid, 'refresh-token': 'unused' }),
    });
    expect(res.statusCode, res.body).toBe(201);
  });

  it('refuses an expired id-token that cannot be refreshed, with the reason', async () => {
    const f = await api('never');
    for (const [cfg, why] of [
      [{ 'refresh-token': undefined }, 'it has no refresh-token'],
      [{ 'refresh-token': 'x', 'idp-issuer-url': 'http://127.0.0.1:1' }, 'its idp-issuer-url is not https'],
    ] as const) {
      const res = await a.call('POST', '/api/v1/clusters', {
        name: 'oidc-dead',
        source: 'kubeconfig',
        kubeconfig: oidcKubeconfig(f.url, idp, { 'id-token': await idp.idToken(-60), ...cfg }),
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({
        code: 'InvalidKubeconfig',
        message: expect.stringContaining(`its id-token has expired and cannot be refreshed (${why})`),
      });
    }
    expect(f.authHeaders).toHaveLength(0);
  });
});

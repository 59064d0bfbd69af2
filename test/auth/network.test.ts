// Who the client is (trusted proxies) and which names the server answers to (DNS rebinding).
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { hostAllowed, hostPolicy } from '../../src/auth/hosts.js';
import { ADMIN_PASSWORD, auditEntries, startTestApp, type TestApp } from './harness.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

function loginVia(
  app: TestApp['app'],
  remote: string,
  xff: string | undefined,
  password: string,
  user = 'admin',
) {
  return app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { username: user, password },
    remoteAddress: remote,
    headers: xff ? { 'x-forwarded-for': xff } : {},
  });
}

describe('trusted proxies', () => {
  it('believes X-Forwarded-For only from KNM_TRUSTED_PROXIES, taking the right-most untrusted address', async () => {
    t = await startTestApp({ env: { KNM_TRUSTED_PROXIES: '10.0.0.0/8, fd00::/8' } });
    // A client may write anything on the left; the proxy appends the address it saw.
    await loginVia(t.app, '10.0.0.2', '198.51.100.9, 203.0.113.7', 'wrong-password-1');
    // A chain of two trusted proxies: the first untrusted address from the right is still the client.
    await loginVia(t.app, '10.0.0.2', '203.0.113.8, 10.1.2.3', 'wrong-password-2');
    // Not from a trusted proxy: the header is the client's own claim and is ignored.
    await loginVia(t.app, '192.0.2.50', '203.0.113.99', 'wrong-password-3');
    const ips = (await auditEntries(t, { operation: 'auth.login' })).map((e) => e.ip).sort();
    expect(ips).toEqual(['192.0.2.50', '203.0.113.7', '203.0.113.8']);
  });

  it('marks cookies Secure when a trusted proxy says the client used https, not when anyone else says so', async () => {
    t = await startTestApp({ env: { KNM_TRUSTED_PROXIES: '10.0.0.0/8' } });
    const via = (remoteAddress: string) =>
      t!.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: 'admin', password: ADMIN_PASSWORD },
        remoteAddress,
        headers: { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' },
      });
    expect(String((await via('10.0.0.2')).headers['set-cookie'])).toMatch(/; Secure/);
    expect(String((await via('192.0.2.50')).headers['set-cookie'])).not.toMatch(/Secure/);
  });

  it('is off by default: the connection address is the client', async () => {
    t = await startTestApp();
    await loginVia(t.app, '10.0.0.2', '203.0.113.7', 'wrong-password-1');
    expect((await auditEntries(t, { operation: 'auth.login' }))[0]!.ip).toBe('10.0.0.2');
  });

  it('behind a trusted proxy, one attacker’s failures slow only that attacker, not the admin', async () => {
    t = await startTestApp({ env: { KNM_TRUSTED_PROXIES: '10.0.0.1' } });
    for (let i = 0; i < 20; i++)
      await loginVia(t.app, '10.0.0.1', '203.0.113.7', 'wrong-password-xx', `made-up-${i}`);
    t.clock.slept.length = 0;
    const res = await loginVia(t.app, '10.0.0.1', '198.51.100.20', ADMIN_PASSWORD);
    expect(res.statusCode).toBe(200);
    expect(t.clock.slept).toEqual([]);
  });

  it('refuses a malformed setting with a clear message', () => {
    expect(() => loadConfig({ KNM_TRUSTED_PROXIES: '10.0.0.0/33,proxy.local' })).toThrow(
      /KNM_TRUSTED_PROXIES \/ --trusted-proxies: expected comma-separated addresses or CIDR blocks .*"10.0.0.0\/33", "proxy.local"/,
    );
    expect(loadConfig({}, ['--trusted-proxies', '10.0.0.0/8,::1']).trustedProxies).toEqual([
      '10.0.0.0/8',
      '::1',
    ]);
  });
});

describe('allowed hosts (DNS rebinding)', () => {
  const allowed = (host: string, env: Record<string, string>, header: string) =>
    hostAllowed(header, hostPolicy(loadConfig({ KNM_HOST: host, ...env })));

  it('bound to loopback: the loopback names only, with any port', () => {
    for (const h of ['127.0.0.1:8080', 'localhost:8080', 'LOCALHOST', '[::1]:8080', 'localhost.'])
      expect(allowed('127.0.0.1', {}, h)).toBe(true);
    for (const h of ['evil.example:8080', 'evil.example', '10.0.0.5:8080', '', 'a b', 'localhost:80:80'])
      expect(allowed('127.0.0.1', {}, h)).toBe(false);
  });

  it('bound to one address: that address and the configured names', () => {
    const env = { KNM_ALLOWED_HOSTS: 'knm.example.com, *.corp.example' };
    expect(allowed('10.0.0.5', env, '10.0.0.5:8080')).toBe(true);
    expect(allowed('10.0.0.5', env, 'knm.example.com')).toBe(true);
    expect(allowed('10.0.0.5', env, 'a.b.corp.example:443')).toBe(true);
    expect(allowed('10.0.0.5', env, 'corp.example')).toBe(false);
    expect(allowed('10.0.0.5', env, 'localhost:8080')).toBe(false);
    expect(allowed('10.0.0.5', env, '10.0.0.6:8080')).toBe(false);
  });

  it('bound to every interface without KNM_ALLOWED_HOSTS: pod IPs and Service names, no public names', () => {
    for (const h of [
      '10.244.1.7:8080',
      '[fd00::7]:8080',
      'knm:8080',
      'knm.tools.svc',
      'knm.tools.svc.cluster.local:8080',
      'localhost:8080',
    ])
      expect(allowed('0.0.0.0', {}, h)).toBe(true);
    for (const h of ['evil.example', 'rebind.attacker.example:8080', 'knm.tools.svc.evil.example'])
      expect(allowed('0.0.0.0', {}, h)).toBe(false);
  });

  it('bound to every interface with KNM_ALLOWED_HOSTS: those names and IP literals (probes)', () => {
    const env = { KNM_ALLOWED_HOSTS: 'knm.example.com' };
    expect(allowed('0.0.0.0', env, 'knm.example.com')).toBe(true);
    expect(allowed('0.0.0.0', env, '10.244.1.7:8080')).toBe(true);
    expect(allowed('0.0.0.0', env, 'knm.tools.svc')).toBe(false);
    expect(allowed('0.0.0.0', env, 'evil.example')).toBe(false);
  });

  it('refuses a request for another host name before anything else runs, and serves the allowed ones', async () => {
    t = await startTestApp();
    const evil = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'admin', password: ADMIN_PASSWORD },
      headers: { host: 'rebind.attacker.example:8080' },
    });
    expect(evil.statusCode).toBe(403);
    expect(evil.json().error.code).toBe('HostNotAllowed');
    expect(evil.headers['set-cookie']).toBeUndefined();
    expect(await auditEntries(t, { operation: 'auth.login' })).toEqual([]);
    for (const host of ['127.0.0.1:8080', 'localhost:8080']) {
      const ok = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: 'admin', password: ADMIN_PASSWORD },
        headers: { host },
      });
      expect(ok.statusCode).toBe(200);
    }
  });

  it('refuses a malformed KNM_ALLOWED_HOSTS', () => {
    expect(() => loadConfig({ KNM_ALLOWED_HOSTS: 'https://knm.example.com' })).toThrow(
      /KNM_ALLOWED_HOSTS \/ --allowed-hosts: expected comma-separated host names/,
    );
  });
});

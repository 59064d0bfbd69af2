// LDAP sign-in against a real OpenLDAP slapd started by the test (skipped, saying why, when slapd is not
// installed): service bind, escaped user search, user bind, groups by group search, mapped like OIDC; LDAPS
// and StartTLS verified against a CA file.
import { Attribute, Change } from 'ldapts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signInRoutes } from '../../src/api/routes/sign-in.js';
import { auditEntries, cookieFrom, startTestApp, type TestApp } from './harness.js';
import { SERVICE_DN, SERVICE_PW, SLAPD, startSlapd, SUFFIX, type Slapd } from './ldap-slapd.js';

const USERS = [
  { uid: 'alice', password: 'alice-ldap-pw', groups: ['platform-admins'] },
  { uid: 'bob', password: 'bob-ldap-pw', groups: ['team-a'] },
  { uid: 'carol', password: 'carol-ldap-pw', groups: ['marketing'] },
  { uid: 'dave', password: 'dave-ldap-pw', groups: ['team-a'] },
];
const GROUPS = ['platform-admins', 'team-a', 'marketing'];
const dnOf = (uid: string) => `uid=${uid},ou=people,${SUFFIX}`;

if (!SLAPD) {
  describe.skip('LDAP sign-in (skipped: slapd is not installed; apt-get install slapd)', () => {
    it('needs slapd', () => undefined);
  });
} else {
  describe('LDAP sign-in against slapd', () => {
    let dir: Slapd;
    let t: TestApp | undefined;
    beforeAll(async () => {
      dir = await startSlapd(USERS, GROUPS);
    });
    afterAll(async () => {
      await dir?.stop();
    });
    afterEach(async () => {
      await t?.close();
      t = undefined;
    });

    async function app(extra: Record<string, string> = {}) {
      t = await startTestApp({
        env: {
          KNM_LDAP_URL: dir.url,
          KNM_LDAP_BIND_DN: SERVICE_DN,
          KNM_LDAP_BIND_PASSWORD: SERVICE_PW,
          KNM_LDAP_USER_BASE: `ou=people,${SUFFIX}`,
          KNM_LDAP_USER_FILTER: '(objectClass=inetOrgPerson)',
          KNM_LDAP_GROUP_BASE: `ou=groups,${SUFFIX}`,
          // One rule by cn, one by full DN (case differs from the directory's on purpose).
          KNM_LDAP_GROUP_ROLES: `platform-admins=admin;CN=team-a,ou=groups,${SUFFIX}=operator:prod-a,staging-a`,
          ...extra,
        },
        modules: [(a, s) => a.register(signInRoutes, s)],
      });
      return t;
    }

    const ldapLogin = (a: TestApp, username: string, password: string) =>
      a.app.inject({ method: 'POST', url: '/api/v1/auth/ldap/login', payload: { username, password } });

    const me = (a: TestApp, cookie: string) =>
      a.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } });

    it('signs in with the right password: role from the group, source and groups audited', async () => {
      const a = await app();
      const res = await ldapLogin(a, 'alice', 'alice-ldap-pw');
      expect(res.statusCode).toBe(200);
      expect(res.json().user).toMatchObject({ username: 'alice', role: 'admin', clusters: null });
      expect((await me(a, cookieFrom(res)!)).json().user.username).toBe('alice');
      expect((await a.sec.auth.users.getRowByUsername('alice'))?.source).toBe('ldap');
      const [entry] = await auditEntries(a, { operation: 'auth.login' });
      expect(entry).toMatchObject({ user: 'alice', outcome: 'success' });
      expect(entry!.params).toMatchObject({ source: 'ldap', role: 'admin' });
      expect((entry!.params as { groups: string[] }).groups).toEqual(
        expect.arrayContaining(['platform-admins', `cn=platform-admins,ou=groups,${SUFFIX}`]),
      );
    });

    it('maps a group named by its DN to an operator on its clusters', async () => {
      const a = await app();
      const res = await ldapLogin(a, 'bob', 'bob-ldap-pw');
      expect(res.json().user).toMatchObject({ role: 'operator', clusters: ['prod-a', 'staging-a'] });
    });

    it('refuses a wrong password and an unknown user with the same answer', async () => {
      const a = await app();
      const wrong = await ldapLogin(a, 'alice', 'not-her-password');
      const unknown = await ldapLogin(a, 'zed', 'whatever-password');
      expect(wrong.statusCode).toBe(401);
      expect(unknown.statusCode).toBe(401);
      expect(wrong.json()).toEqual(unknown.json());
      expect(wrong.headers['set-cookie']).toBeUndefined();
      const messages = (await auditEntries(a, { operation: 'auth.login' })).map((e) => e.message);
      expect(messages).toEqual(expect.arrayContaining(['wrong password', 'unknown user']));
    });

    it('never tries an empty password (an unauthenticated bind would succeed)', async () => {
      const a = await app();
      expect((await ldapLogin(a, 'alice', '')).statusCode).toBe(401);
    });

    it('escapes the typed name: filter syntax matches nobody', async () => {
      const a = await app();
      for (const name of ['*)(uid=*', '*', 'al*', 'alice)(objectClass=*']) {
        const res = await ldapLogin(a, name, 'alice-ldap-pw');
        expect(res.statusCode, name).toBe(401);
      }
      const messages = (await auditEntries(a, { operation: 'auth.login' })).map((e) => e.message);
      expect(new Set(messages)).toEqual(new Set(['unknown user']));
    });

    it('refuses a user whose groups map to nothing', async () => {
      const a = await app();
      const res = await ldapLogin(a, 'carol', 'carol-ldap-pw');
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('NoAccess');
      expect(res.headers['set-cookie']).toBeUndefined();
    });

    it('applies a group change at the next sign-in, and ends sessions when access is gone', async () => {
      const a = await app();
      const first = await ldapLogin(a, 'dave', 'dave-ldap-pw');
      expect(first.json().user.role).toBe('operator');
      const admin = await dir.admin();
      try {
        await admin.modify(`cn=platform-admins,ou=groups,${SUFFIX}`, [
          new Change({
            operation: 'add',
            modification: new Attribute({ type: 'member', values: [dnOf('dave')] }),
          }),
        ]);
        const second = await ldapLogin(a, 'dave', 'dave-ldap-pw');
        expect(second.json().user).toMatchObject({ role: 'admin', clusters: null });

        for (const g of ['platform-admins', 'team-a']) {
          await admin.modify(`cn=${g},ou=groups,${SUFFIX}`, [
            new Change({
              operation: 'delete',
              modification: new Attribute({ type: 'member', values: [dnOf('dave')] }),
            }),
          ]);
        }
      } finally {
        await admin.unbind();
      }
      const third = await ldapLogin(a, 'dave', 'dave-ldap-pw');
      expect(third.statusCode).toBe(403);
      expect((await me(a, cookieFrom(first)!)).statusCode).toBe(401);
      const denied = (await auditEntries(a, { operation: 'auth.login' })).find((e) => e.outcome === 'denied');
      expect(denied!.params).toMatchObject({ source: 'ldap', sessionsEnded: 2 });
    });

    it('reads groups from memberOf when no group base is set', async () => {
      const a = await app({ KNM_LDAP_GROUP_BASE: '' });
      const res = await ldapLogin(a, 'alice', 'alice-ldap-pw');
      expect(res.json().user).toMatchObject({ role: 'admin' });
      expect((await ldapLogin(a, 'bob', 'bob-ldap-pw')).json().user).toMatchObject({ role: 'operator' });
      expect((await ldapLogin(a, 'carol', 'carol-ldap-pw')).statusCode).toBe(403);
    });

    it('says the directory is unavailable when the service account is refused', async () => {
      const a = await app({ KNM_LDAP_BIND_PASSWORD: 'wrong-service-password' });
      const res = await ldapLogin(a, 'alice', 'alice-ldap-pw');
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('ProviderUnavailable');
      expect(res.body).not.toContain('wrong-service-password');
    });

    it('uses StartTLS verified against the CA file, and refuses a server it cannot verify', async () => {
      const a = await app({ KNM_LDAP_START_TLS: 'true', KNM_LDAP_CA_FILE: dir.caFile });
      expect((await ldapLogin(a, 'alice', 'alice-ldap-pw')).statusCode).toBe(200);
      await a.close();
      // Without the CA the directory's certificate is not trusted, and nothing is sent over the upgraded socket.
      const untrusted = await app({ KNM_LDAP_START_TLS: 'true' });
      expect((await ldapLogin(untrusted, 'alice', 'alice-ldap-pw')).statusCode).toBe(503);
    });

    it('uses LDAPS verified against the CA file, and refuses a server it cannot verify', async () => {
      const good = await app({ KNM_LDAP_URL: dir.ldapsUrl, KNM_LDAP_CA_FILE: dir.caFile });
      expect((await ldapLogin(good, 'alice', 'alice-ldap-pw')).statusCode).toBe(200);
      await good.close();
      const bad = await app({ KNM_LDAP_URL: dir.ldapsUrl });
      const res = await ldapLogin(bad, 'alice', 'alice-ldap-pw');
      expect(res.statusCode).toBe(503);
    });
  });
}

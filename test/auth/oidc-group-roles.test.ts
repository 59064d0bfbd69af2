// The group → role mapping shared by OpenID Connect and LDAP, and how its settings are checked at start.
import { describe, expect, it } from 'vitest';
import { mappingFrom, parseGroupRules, resolveGrant } from '../../src/auth/group-roles.js';
import { ConfigError, loadConfig } from '../../src/config/config.js';

const RULES = 'platform-admins=admin;team-a=operator:prod-a,staging-a;team-b=operator:prod-b;auditors=viewer';

describe('group → role mapping', () => {
  const m = mappingFrom(RULES, 'none');

  it('grants the role of a matching group, with its clusters', () => {
    expect(resolveGrant(m, ['team-a'])).toEqual({ role: 'operator', clusters: ['prod-a', 'staging-a'] });
    expect(resolveGrant(m, ['auditors', 'other'])).toEqual({ role: 'viewer', clusters: null });
  });

  it('takes the highest role; clusters of every group giving it are joined', () => {
    expect(resolveGrant(m, ['auditors', 'team-b', 'team-a'])).toEqual({
      role: 'operator',
      clusters: ['prod-a', 'prod-b', 'staging-a'],
    });
    expect(resolveGrant(m, ['team-a', 'platform-admins'])).toEqual({ role: 'admin', clusters: null });
  });

  it('falls back to the default when no group matches: none means no access', () => {
    expect(resolveGrant(m, ['marketing'])).toBeNull();
    expect(resolveGrant(m, [])).toBeNull();
    expect(resolveGrant(mappingFrom(RULES, 'viewer:prod-a'), ['marketing'])).toEqual({
      role: 'viewer',
      clusters: ['prod-a'],
    });
  });

  it('matches exactly for OpenID Connect and regardless of case for LDAP', () => {
    expect(resolveGrant(m, ['Team-A'])).toBeNull();
    const ldap = mappingFrom('CN=Ops,OU=Groups,DC=corp,DC=example=operator', 'none', true);
    expect(resolveGrant(ldap, ['cn=ops,ou=groups,dc=corp,dc=example'])).toEqual({
      role: 'operator',
      clusters: null,
    });
  });

  it('reads LDAP DNs as group names: the role is after the last "="', () => {
    expect(parseGroupRules('cn=sre,ou=groups,dc=example,dc=org=operator:prod-a')).toEqual([
      { group: 'cn=sre,ou=groups,dc=example,dc=org', grant: { role: 'operator', clusters: ['prod-a'] } },
    ]);
  });

  it.each([
    ['team-a=root', /"root" is not a role/],
    ['team-a', /expected group=role/],
    ['=admin', /expected group=role|group name is empty/],
    ['team-a=operator:', /no cluster names/],
    ['team-a=operator:Prod_A', /not a valid cluster name/],
    ['admins=admin:prod-a', /admin cannot be restricted/],
  ])('refuses the rule %s', (rule, message) => {
    expect(() => parseGroupRules(rule)).toThrow(message);
  });
});

describe('sign-in settings', () => {
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig({ KNM_DEMO: 'false', ...env });
      return [];
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
  };

  it('names the variable and the bad rule', () => {
    expect(problems({ KNM_OIDC_GROUP_ROLES: 'team-a=boss' }).join('\n')).toMatch(
      /KNM_OIDC_GROUP_ROLES.*"boss" is not a role/,
    );
    expect(problems({ KNM_LDAP_DEFAULT_ROLE: 'superuser' }).join('\n')).toMatch(/KNM_LDAP_DEFAULT_ROLE/);
  });

  it('wants https for a provider, except on loopback', () => {
    expect(problems({ KNM_OIDC_ISSUER: 'http://idp.example.com', KNM_OIDC_CLIENT_ID: 'x' }).join()).toMatch(
      /KNM_OIDC_ISSUER/,
    );
    expect(problems({ KNM_OIDC_ISSUER: 'http://127.0.0.1:5556/dex', KNM_OIDC_CLIENT_ID: 'x' })).toEqual([]);
    expect(problems({ KNM_OIDC_ISSUER: 'https://idp.example.com/', KNM_OIDC_CLIENT_ID: 'x' })).toEqual([]);
  });

  it('checks settings that belong together', () => {
    expect(problems({ KNM_OIDC_ISSUER: 'https://idp.example.com' }).join()).toMatch(
      /KNM_OIDC_CLIENT_ID: required/,
    );
    expect(problems({ KNM_LDAP_URL: 'ldaps://dc.example.com' }).join()).toMatch(
      /KNM_LDAP_USER_BASE: required/,
    );
    expect(problems({ KNM_OIDC_SCOPES: 'profile email' }).join()).toMatch(/must include openid/);
    // Local sign-in off with nothing else would lock everyone out.
    expect(problems({ KNM_LOCAL_LOGIN: 'false' }).join()).toMatch(/KNM_LOCAL_LOGIN/);
    expect(
      problems({
        KNM_LOCAL_LOGIN: 'false',
        KNM_OIDC_ISSUER: 'https://idp.example.com',
        KNM_OIDC_CLIENT_ID: 'x',
      }),
    ).toEqual([]);
  });
});

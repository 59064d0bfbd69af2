/**
 * Settings of the sign-in providers (OpenID Connect, LDAP) and of local accounts, merged into the server's
 * FIELDS by config.ts. Each value is checked here with the rest of the configuration; settings that only make
 * sense together are checked by `signInProblems` once every field is parsed.
 */
import { z } from 'zod';
import { GroupRoleSyntaxError, parseGrant, parseGroupRules } from '../auth/group-roles.js';

const bool = z.string().transform((v, ctx) => {
  const s = v.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(s)) return true;
  if (['0', 'false', 'no', 'off'].includes(s)) return false;
  ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected true or false, got "${v}"` });
  return z.NEVER;
});

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** https everywhere; plain http only on a loopback address (a provider run next to the server, tests). */
const providerUrl = (what: string) =>
  z
    .string()
    .trim()
    .refine((v) => {
      if (v === '') return true;
      try {
        const u = new URL(v);
        return u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.has(u.hostname));
      } catch {
        return false;
      }
    }, `expected an https:// URL of the ${what} (http:// only on 127.0.0.1, localhost or [::1]), or empty`)
    .transform((v) => v.replace(/\/+$/, ''));

const claimName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_:.\-/]{1,200}$/, 'expected a claim name such as preferred_username, email or groups');

const scopes = z
  .string()
  .transform((v) => v.split(/[\s,]+/).filter(Boolean))
  .refine((s) => s.includes('openid'), 'the scopes must include openid');

const groupRules = z.string().superRefine((v, ctx) => {
  try {
    parseGroupRules(v);
  } catch (e) {
    if (!(e instanceof GroupRoleSyntaxError)) throw e;
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `${e.message}; expected group=role[:cluster,cluster];… such as platform-admins=admin;team-a=operator:prod-a,staging-a`,
    });
  }
});

const defaultGrant = z.string().superRefine((v, ctx) => {
  try {
    parseGrant(v, true);
  } catch (e) {
    if (!(e instanceof GroupRoleSyntaxError)) throw e;
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `${e.message}; expected none, viewer, operator (optionally :cluster,cluster) or admin`,
    });
  }
});

const ldapUrl = z
  .string()
  .trim()
  .refine(
    (v) => v === '' || /^ldaps?:\/\/[^\s/]+\/?$/.test(v),
    'expected ldap://host[:port] or ldaps://host[:port]',
  );

const ldapAttribute = z
  .string()
  .trim()
  .regex(/^[A-Za-z][A-Za-z0-9-]{0,63}$/, 'expected an attribute name such as uid, sAMAccountName or cn');

/** An RFC 4515 filter in parentheses, or empty; it is written by the operator, never from user input. */
const ldapFilter = z
  .string()
  .trim()
  .refine(
    (v) => v === '' || (v.startsWith('(') && v.endsWith(')')),
    'expected a filter in parentheses such as (objectClass=person)',
  );

export const SIGN_IN_FIELDS = {
  localLogin: { env: 'KNM_LOCAL_LOGIN', schema: bool, def: 'true' },

  oidcIssuer: { env: 'KNM_OIDC_ISSUER', schema: providerUrl('OpenID provider (its issuer)'), def: '' },
  oidcClientId: { env: 'KNM_OIDC_CLIENT_ID', schema: z.string().trim(), def: '' },
  oidcClientSecret: { env: 'KNM_OIDC_CLIENT_SECRET', schema: z.string(), def: '' },
  oidcScopes: { env: 'KNM_OIDC_SCOPES', schema: scopes, def: 'openid profile email' },
  oidcUsernameClaim: { env: 'KNM_OIDC_USERNAME_CLAIM', schema: claimName, def: 'preferred_username' },
  oidcGroupsClaim: { env: 'KNM_OIDC_GROUPS_CLAIM', schema: claimName, def: 'groups' },
  oidcRedirectBaseUrl: {
    env: 'KNM_OIDC_REDIRECT_BASE_URL',
    schema: z
      .string()
      .trim()
      .refine(
        (v) => v === '' || /^https?:\/\/[^\s/?#]+\/?$/.test(v),
        'expected http(s)://host[:port], or empty',
      )
      .transform((v) => v.replace(/\/+$/, '')),
    def: '',
  },
  oidcGroupRoles: { env: 'KNM_OIDC_GROUP_ROLES', schema: groupRules, def: '' },
  oidcDefaultRole: { env: 'KNM_OIDC_DEFAULT_ROLE', schema: defaultGrant, def: 'none' },
  oidcName: { env: 'KNM_OIDC_NAME', schema: z.string().trim().max(60), def: 'OpenID Connect' },
  oidcClockToleranceSeconds: {
    env: 'KNM_OIDC_CLOCK_TOLERANCE_SECONDS',
    schema: z
      .string()
      .regex(/^\d{1,3}$/, 'expected a whole number of seconds from 0 to 600')
      .transform(Number)
      .refine((n) => n <= 600, 'expected a whole number of seconds from 0 to 600'),
    def: '30',
  },

  ldapUrl: { env: 'KNM_LDAP_URL', schema: ldapUrl, def: '' },
  ldapStartTls: { env: 'KNM_LDAP_START_TLS', schema: bool, def: 'false' },
  ldapCaFile: { env: 'KNM_LDAP_CA_FILE', schema: z.string().trim(), def: '' },
  ldapBindDn: { env: 'KNM_LDAP_BIND_DN', schema: z.string().trim(), def: '' },
  ldapBindPassword: { env: 'KNM_LDAP_BIND_PASSWORD', schema: z.string(), def: '' },
  ldapUserBase: { env: 'KNM_LDAP_USER_BASE', schema: z.string().trim(), def: '' },
  ldapUserAttribute: { env: 'KNM_LDAP_USER_ATTRIBUTE', schema: ldapAttribute, def: 'uid' },
  ldapUserFilter: { env: 'KNM_LDAP_USER_FILTER', schema: ldapFilter, def: '' },
  ldapGroupBase: { env: 'KNM_LDAP_GROUP_BASE', schema: z.string().trim(), def: '' },
  ldapGroupMemberAttribute: { env: 'KNM_LDAP_GROUP_MEMBER_ATTRIBUTE', schema: ldapAttribute, def: 'member' },
  ldapGroupRoles: { env: 'KNM_LDAP_GROUP_ROLES', schema: groupRules, def: '' },
  ldapDefaultRole: { env: 'KNM_LDAP_DEFAULT_ROLE', schema: defaultGrant, def: 'none' },
} as const;

/** Settings that are valid alone but not together. */
export function signInProblems(c: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (c.oidcIssuer && !c.oidcClientId)
    problems.push('KNM_OIDC_CLIENT_ID: required when KNM_OIDC_ISSUER is set');
  if (c.ldapUrl && !c.ldapUserBase) problems.push('KNM_LDAP_USER_BASE: required when KNM_LDAP_URL is set');
  if (c.ldapStartTls && String(c.ldapUrl).startsWith('ldaps:'))
    problems.push('KNM_LDAP_START_TLS: not with an ldaps:// URL (it is TLS already)');
  if (!c.localLogin && !c.oidcIssuer && !c.ldapUrl)
    problems.push(
      'KNM_LOCAL_LOGIN: local sign-in can only be turned off when KNM_OIDC_ISSUER or KNM_LDAP_URL is set',
    );
  return problems;
}

/**
 * Password sign-in against an LDAP directory with ldapts: bind as the service account, find the user with an
 * RFC 4515-escaped filter (the typed name can never widen the search), bind as the user to check the password,
 * then read their groups from `memberOf` or with a group search. LDAPS, or StartTLS, verified against a CA file.
 * Each sign-in uses its own connection, closed at the end; nothing about the directory is cached.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { Client, EqualityFilter, InvalidCredentialsError, type Entry } from 'ldapts';
import type { Config } from '../../config/config.js';
import { mappingFrom, type GroupRoleMapping } from '../group-roles.js';
import type { ExternalIdentity } from '../external-login.js';

export interface LdapSettings {
  url: string;
  startTls: boolean;
  caFile: string;
  bindDn: string;
  bindPassword: string;
  userBase: string;
  userAttribute: string;
  userFilter: string;
  groupBase: string;
  groupMemberAttribute: string;
  mapping: GroupRoleMapping;
  timeoutMs: number;
}

export function ldapSettingsFrom(c: Config): LdapSettings | null {
  if (!c.ldapUrl) return null;
  return {
    url: c.ldapUrl,
    startTls: c.ldapStartTls,
    caFile: c.ldapCaFile,
    bindDn: c.ldapBindDn,
    bindPassword: c.ldapBindPassword,
    userBase: c.ldapUserBase,
    userAttribute: c.ldapUserAttribute,
    userFilter: c.ldapUserFilter,
    groupBase: c.ldapGroupBase,
    groupMemberAttribute: c.ldapGroupMemberAttribute,
    // Directory names (DNs, cn) compare without regard to case.
    mapping: mappingFrom(c.ldapGroupRoles, c.ldapDefaultRole, true),
    timeoutMs: Math.min(c.apiTimeoutMs, 30_000),
  };
}

/** The typed name or password is wrong (or the name is unknown): one answer for all three. */
export class LdapBadCredentials extends Error {
  constructor(readonly reason: 'unknown user' | 'wrong password' | 'ambiguous user') {
    super(reason);
  }
}

/** The directory could not be asked (down, TLS failure, service account refused). */
export class LdapUnavailable extends Error {}

/** The user's own name: the first RDN's value (`cn=ops,ou=groups,…` → `ops`). */
function firstRdnValue(dn: string): string | undefined {
  const m = /^[^=,]+=((?:\\.|[^,\\])+)/.exec(dn);
  return m ? m[1]!.replace(/\\(.)/g, '$1').trim() : undefined;
}

function values(v: Entry[string] | undefined): string[] {
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x)));
}

export class LdapClient {
  private readonly ca?: Buffer;

  constructor(readonly settings: LdapSettings) {
    // Read once at start: a missing CA file is a configuration error to report, not a per-login failure.
    if (settings.caFile) this.ca = readFileSync(settings.caFile);
  }

  private connect(): Client {
    const s = this.settings;
    return new Client({
      url: s.url,
      timeout: s.timeoutMs,
      connectTimeout: s.timeoutMs,
      // Only for ldaps://: ldapts opens a TLS socket whenever tlsOptions are given, whatever the scheme.
      tlsOptions: this.ca && s.url.startsWith('ldaps:') ? { ca: this.ca } : undefined,
    });
  }

  /** Checks the password and answers who this is in the directory, with their groups. */
  async authenticate(username: string, password: string): Promise<ExternalIdentity & { dn: string }> {
    // An empty password would be an "unauthenticated bind", which many servers accept: never try one.
    if (password === '') throw new LdapBadCredentials('wrong password');
    const s = this.settings;
    const client = this.connect();
    try {
      try {
        if (s.startTls) {
          // The upgraded socket knows no host name; without one the certificate would be checked against none.
          const host = new URL(s.url).hostname.replace(/^\[|\]$/g, '');
          await client.startTLS({
            ...(this.ca ? { ca: this.ca } : {}),
            host,
            ...(isIP(host) ? {} : { servername: host }),
          });
        }
        if (s.bindDn) await client.bind(s.bindDn, s.bindPassword);
      } catch (e) {
        throw new LdapUnavailable(`directory not reachable or service bind refused: ${(e as Error).message}`);
      }
      const byName = new EqualityFilter({ attribute: s.userAttribute, value: username }).toString();
      const filter = s.userFilter ? `(&${s.userFilter}${byName})` : byName;
      const { searchEntries } = await client
        .search(s.userBase, {
          scope: 'sub',
          filter,
          attributes: ['dn', s.userAttribute, 'memberOf'],
          sizeLimit: 2,
        })
        .catch((e: Error) => {
          // More than one match is a size-limit error on some servers: still ambiguous, never "the first".
          if (/size ?limit/i.test(e.message)) throw new LdapBadCredentials('ambiguous user');
          throw new LdapUnavailable(`user search failed: ${e.message}`);
        });
      if (searchEntries.length === 0) throw new LdapBadCredentials('unknown user');
      if (searchEntries.length > 1) throw new LdapBadCredentials('ambiguous user');
      const entry = searchEntries[0]!;
      try {
        await client.bind(entry.dn, password);
      } catch (e) {
        if (e instanceof InvalidCredentialsError) throw new LdapBadCredentials('wrong password');
        throw new LdapUnavailable(`user bind failed: ${(e as Error).message}`);
      }
      // Groups are read with the service account's rights, as the directory's policy intends.
      if (s.bindDn) await client.bind(s.bindDn, s.bindPassword);
      const groupDns = s.groupBase ? await this.groupSearch(client, entry.dn) : values(entry.memberOf);
      const names = groupDns.map(firstRdnValue).filter((n): n is string => Boolean(n));
      const canonical = values(entry[s.userAttribute])[0] ?? username;
      return {
        source: 'ldap',
        username: canonical,
        dn: entry.dn,
        groups: [...new Set([...names, ...groupDns])],
      };
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  private async groupSearch(client: Client, userDn: string): Promise<string[]> {
    const s = this.settings;
    const filter = new EqualityFilter({ attribute: s.groupMemberAttribute, value: userDn }).toString();
    const { searchEntries } = await client
      .search(s.groupBase, { scope: 'sub', filter, attributes: ['dn'] })
      .catch((e: Error) => {
        throw new LdapUnavailable(`group search failed: ${e.message}`);
      });
    return searchEntries.map((e) => e.dn);
  }
}

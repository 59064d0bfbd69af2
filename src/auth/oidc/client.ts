/**
 * The OpenID Connect relying party: provider discovery, the authorization code flow with PKCE, `state` and
 * `nonce`, and RP-initiated logout, all through openid-client (which verifies the ID token's signature against
 * the provider's JWKS, its issuer, audience, expiry and nonce). Pending sign-ins are kept in the store, one row
 * per `state`, deleted when the callback uses it, so a replayed callback finds nothing.
 */
import type { Kysely } from 'kysely';
import * as oidc from 'openid-client';
import type { Config } from '../../config/config.js';
import type { Database } from '../../store/schema.js';
import { mappingFrom, type GroupRoleMapping } from '../group-roles.js';
import { sha256Hex } from '../secrets.js';
import type { ExternalIdentity } from '../external-login.js';
import './tables.js';

export const OIDC_CALLBACK_PATH = '/api/v1/auth/oidc/callback';
/** How long a person may take at the provider's login page. */
export const PENDING_TTL_SECONDS = 600;
/**
 * Starting a sign-in is public and writes a row; past this many live ones (a flood, not people) new sign-ins
 * are refused until they expire, so the table cannot be grown without bound.
 */
export const MAX_PENDING = 10_000;

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string[];
  usernameClaim: string;
  groupsClaim: string;
  redirectBaseUrl: string;
  clockToleranceSeconds: number;
  mapping: GroupRoleMapping;
  name: string;
}

export function oidcSettingsFrom(c: Config): OidcSettings | null {
  if (!c.oidcIssuer) return null;
  return {
    issuer: c.oidcIssuer,
    clientId: c.oidcClientId,
    clientSecret: c.oidcClientSecret,
    scopes: c.oidcScopes,
    usernameClaim: c.oidcUsernameClaim,
    groupsClaim: c.oidcGroupsClaim,
    redirectBaseUrl: c.oidcRedirectBaseUrl,
    clockToleranceSeconds: c.oidcClockToleranceSeconds,
    mapping: mappingFrom(c.oidcGroupRoles, c.oidcDefaultRole),
    name: c.oidcName,
  };
}

/** A sign-in that failed at the protocol level; `reason` is for the audit log and server log, not the browser. */
export class OidcFailure extends Error {
  constructor(
    readonly reason: string,
    readonly kind: 'provider' | 'state' | 'token',
  ) {
    super(reason);
  }
}

export interface OidcClientOptions {
  db: Kysely<Database>;
  now: () => number;
  /** Test seam: every HTTP request openid-client makes (discovery, JWKS, token) goes through it. */
  fetch?: oidc.CustomFetch;
}

export class OidcClient {
  private discovered?: Promise<oidc.Configuration>;

  constructor(
    readonly settings: OidcSettings,
    private readonly o: OidcClientOptions,
  ) {}

  /** Discovery once; a failed discovery (provider down at start) is retried on the next sign-in. */
  configuration(): Promise<oidc.Configuration> {
    if (!this.discovered) {
      const s = this.settings;
      const issuer = new URL(s.issuer);
      const metadata: Partial<oidc.ClientMetadata> = {
        [oidc.clockTolerance]: s.clockToleranceSeconds,
        ...(s.clientSecret ? { client_secret: s.clientSecret } : {}),
      };
      this.discovered = oidc
        .discovery(issuer, s.clientId, metadata, s.clientSecret ? undefined : oidc.None(), {
          // Only loopback providers may be plain http (the setting is validated so); never any other.
          // openid-client trusts an ID token from the token endpoint on TLS alone unless told otherwise; ours
          // is always checked against the provider's JWKS as well.
          execute: [
            oidc.enableNonRepudiationChecks,
            ...(issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : []),
          ],
          timeout: 15,
          ...(this.o.fetch ? { [oidc.customFetch]: this.o.fetch } : {}),
        })
        .catch((e: unknown) => {
          this.discovered = undefined;
          throw new OidcFailure(`provider discovery failed: ${describe(e)}`, 'provider');
        });
    }
    return this.discovered;
  }

  /** Starts a sign-in: remembers state, nonce and PKCE verifier, and answers where to send the browser. */
  async begin(redirectBase: string): Promise<{ url: string; state: string }> {
    const cfg = await this.configuration();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const verifier = oidc.randomPKCECodeVerifier();
    const redirectUri = redirectBase + OIDC_CALLBACK_PATH;
    const now = this.o.now();
    await this.purgeExpired();
    const live = await this.o.db
      .selectFrom('oidc_logins')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    if (Number(live?.n ?? 0) >= MAX_PENDING) {
      throw new OidcFailure(`more than ${MAX_PENDING} sign-ins are pending; refusing new ones`, 'provider');
    }
    await this.o.db
      .insertInto('oidc_logins')
      .values({
        state_hash: sha256Hex(state),
        nonce,
        code_verifier: verifier,
        redirect_uri: redirectUri,
        created_at: new Date(now).toISOString(),
        expires_at: new Date(now + PENDING_TTL_SECONDS * 1000).toISOString(),
      })
      .execute();
    const url = oidc.buildAuthorizationUrl(cfg, {
      redirect_uri: redirectUri,
      scope: this.settings.scopes.join(' '),
      response_type: 'code',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url: url.href, state };
  }

  /**
   * Finishes a sign-in from the callback's query. `browserState` is the state this browser was given at
   * `begin` (its cookie): a callback carrying another state was not started here and is refused.
   */
  async finish(query: URLSearchParams, browserState: string | undefined): Promise<ExternalIdentity> {
    const state = query.get('state') ?? '';
    if (!state) throw new OidcFailure('the callback carries no state', 'state');
    if (!browserState || browserState !== state) {
      throw new OidcFailure('the callback state does not belong to this browser', 'state');
    }
    const pending = await this.take(state);
    if (!pending) throw new OidcFailure('unknown, expired or already used sign-in state', 'state');
    const error = query.get('error');
    if (error) {
      const d = query.get('error_description');
      throw new OidcFailure(`the provider answered ${error}${d ? `: ${d}` : ''}`.slice(0, 300), 'provider');
    }
    const cfg = await this.configuration();
    const current = new URL(pending.redirect_uri);
    current.search = query.toString();
    let claims: oidc.IDToken | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(cfg, current, {
        pkceCodeVerifier: pending.code_verifier,
        expectedState: state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims();
    } catch (e) {
      throw new OidcFailure(`the provider's answer was not accepted: ${describe(e)}`, 'token');
    }
    if (!claims) throw new OidcFailure('the provider returned no ID token', 'token');
    return this.identityFrom(claims);
  }

  identityFrom(claims: Record<string, unknown>): ExternalIdentity {
    const raw = claims[this.settings.groupsClaim];
    const groups = Array.isArray(raw)
      ? raw.filter((g): g is string => typeof g === 'string' && g.length <= 1024)
      : typeof raw === 'string'
        ? [raw]
        : [];
    const name = claims[this.settings.usernameClaim];
    return {
      source: 'oidc',
      username: typeof name === 'string' ? name : undefined,
      groups,
      groupsMissing: raw === undefined || raw === null,
    };
  }

  /** The provider's logout page when it advertises one (RP-initiated logout), else null. */
  async endSessionUrl(postLogoutRedirectUri: string): Promise<string | null> {
    let cfg: oidc.Configuration;
    try {
      cfg = await this.configuration();
    } catch {
      return null;
    }
    if (!cfg.serverMetadata().end_session_endpoint) return null;
    return oidc
      .buildEndSessionUrl(cfg, {
        client_id: this.settings.clientId,
        post_logout_redirect_uri: postLogoutRedirectUri,
      })
      .toString();
  }

  /** Removes and returns the pending sign-in for `state`; each can be taken once, by one replica. */
  private async take(state: string) {
    const hash = sha256Hex(state);
    const row = await this.o.db
      .selectFrom('oidc_logins')
      .selectAll()
      .where('state_hash', '=', hash)
      .executeTakeFirst();
    if (!row) return undefined;
    const r = await this.o.db.deleteFrom('oidc_logins').where('state_hash', '=', hash).executeTakeFirst();
    // Another request deleted it between our read and delete: that one owns it.
    if (Number(r.numDeletedRows) !== 1) return undefined;
    if (Date.parse(row.expires_at) <= this.o.now()) return undefined;
    return row;
  }

  async purgeExpired(): Promise<void> {
    await this.o.db
      .deleteFrom('oidc_logins')
      .where('expires_at', '<=', new Date(this.o.now()).toISOString())
      .execute();
  }
}

function describe(e: unknown): string {
  const err = e as { message?: unknown; code?: unknown; error?: unknown; cause?: { claim?: unknown } };
  const parts = [typeof err?.message === 'string' ? err.message : String(e)];
  // Which claim failed (iss, aud, exp, nonce…): the one detail an operator needs to fix a misconfiguration.
  for (
    let c: unknown = err?.cause, depth = 0;
    c && depth < 3;
    c = (c as { cause?: unknown }).cause, depth++
  ) {
    const { claim, message } = c as { claim?: unknown; message?: unknown };
    if (typeof claim === 'string') parts.push(`"${claim}"`);
    if (typeof message === 'string' && !parts.includes(message)) parts.push(`(${message})`);
  }
  if (typeof err?.code === 'string') parts.push(`[${err.code}]`);
  if (typeof err?.error === 'string') parts.push(`(${err.error})`);
  return parts.join(' ').slice(0, 300);
}

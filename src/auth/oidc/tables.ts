/** Row type of the pending OpenID Connect sign-ins (migration 006), added to the store's `Database`. */
export interface OidcLoginsTable {
  /** SHA-256 (hex) of the `state` sent to the provider; the state itself is only in the browser's cookie. */
  state_hash: string;
  nonce: string;
  /** PKCE verifier: the provider saw only its S256 challenge. */
  code_verifier: string;
  /** The redirect_uri sent with the authorization request; the token request must repeat it. */
  redirect_uri: string;
  created_at: string;
  expires_at: string;
}

declare module '../../store/schema.js' {
  interface Database {
    oidc_logins: OidcLoginsTable;
  }
}

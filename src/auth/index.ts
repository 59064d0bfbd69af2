/**
 * Accounts and access: local users with roles and cluster restrictions, scrypt password hashes, browser
 * sessions with CSRF protection, API tokens, login throttling, security headers, and the hook that enforces
 * every route's declared policy. It decides who may do what; it must not know what nodes, clusters or jobs
 * are (services call `assertClusterAccess` / `canOverride` for checks a route policy cannot express).
 */
import './tables.js';

export { registerAuth, registeredRoutes, csrfTokenOf, type RegisteredRoute } from './plugin.js';
export {
  securityFor,
  securityOf,
  type Security,
  type SecurityContext,
  type SecurityOverrides,
} from './context.js';
export { assertClusterAccess, canOverride, type OverrideKind } from './access.js';
export { authenticateUpgrade, checkOrigin, recheck, revalidate } from './upgrade.js';
export { AuthService, LoginRefused, type RequestMeta, type Authentication } from './service.js';
export { ensureFirstAdmin, FIRST_ADMIN } from './bootstrap.js';
export { CONTENT_SECURITY_POLICY } from './headers.js';
export { SESSION_COOKIE } from './cookies.js';
export { DEFAULT_SCRYPT, PASSWORD_MIN_LENGTH, type ScryptParams } from './password.js';
export { DEFAULT_THROTTLE, type ThrottleOptions } from './throttle.js';

import { describe, expect, it } from 'vitest';
import type { AuthUser } from '../../src/auth/identity.js';
import { assertClusterAccess, canOverride } from '../../src/auth/index.js';

const user = (o: Partial<AuthUser>): AuthUser => ({
  id: '1',
  username: 'u',
  role: 'operator',
  clusters: null,
  canOverrideGuard: false,
  canOverrideSystemLabels: false,
  via: 'session',
  ...o,
});

describe('access helpers for services', () => {
  it('assertClusterAccess refuses clusters outside the list with 403', () => {
    expect(() => assertClusterAccess(user({ clusters: ['a'] }), 'a')).not.toThrow();
    expect(() => assertClusterAccess(user({ clusters: null }), 'z')).not.toThrow();
    expect(() => assertClusterAccess(user({ clusters: ['a'] }), 'b')).toThrow(
      expect.objectContaining({ status: 403 }),
    );
    expect(() => assertClusterAccess(user({ clusters: [] }), 'a')).toThrow();
    expect(() => assertClusterAccess(undefined, 'a')).toThrow();
  });

  it('canOverride: admins always, operators only with the grant, viewers never', () => {
    expect(canOverride(user({ role: 'admin' }), 'guard')).toBe(true);
    expect(canOverride(user({ role: 'operator' }), 'guard')).toBe(false);
    expect(canOverride(user({ role: 'operator', canOverrideGuard: true }), 'guard')).toBe(true);
    expect(canOverride(user({ role: 'operator', canOverrideGuard: true }), 'systemLabels')).toBe(false);
    expect(canOverride(user({ role: 'operator', canOverrideSystemLabels: true }), 'systemLabels')).toBe(true);
    expect(canOverride(user({ role: 'viewer', canOverrideGuard: true }), 'guard')).toBe(false);
    expect(canOverride(undefined, 'guard')).toBe(false);
  });
});

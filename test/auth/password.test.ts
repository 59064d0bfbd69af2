import { describe, expect, it } from 'vitest';
import {
  checkPasswordPolicy,
  DEFAULT_SCRYPT,
  hashPassword,
  verifyPassword,
} from '../../src/auth/password.js';
import { constantTimeEqual, csrfTokenFor } from '../../src/auth/secrets.js';

describe('password hashing', () => {
  it('uses scrypt N=2^15 r=8 by default with a per-user salt, and verifies', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^scrypt\$15\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('correct');
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
    expect(DEFAULT_SCRYPT).toEqual({ logN: 15, r: 8, p: 1 });
  });

  it('verifies with the parameters stored in the hash', async () => {
    const cheap = await hashPassword('another password', { logN: 10, r: 8, p: 1 });
    expect(cheap.startsWith('scrypt$10$')).toBe(true);
    expect(await verifyPassword('another password', cheap)).toBe(true);
  });

  it('rejects damaged hashes instead of throwing', async () => {
    expect(await verifyPassword('x', 'plain')).toBe(false);
    expect(await verifyPassword('x', 'bcrypt$1$2$3$4$5')).toBe(false);
  });
});

describe('password policy', () => {
  it('needs 12 characters and must not be the username', () => {
    expect(() => checkPasswordPolicy('elevenchars', 'bob')).toThrow(/at least 12/);
    expect(() => checkPasswordPolicy('Administrator', 'administrator')).toThrow(/username/);
    expect(() => checkPasswordPolicy(42, 'bob')).toThrow(/string/);
    expect(checkPasswordPolicy('twelve chars', 'bob')).toBe('twelve chars');
  });
});

describe('secret helpers', () => {
  it('derives a CSRF token per session and compares in constant time', () => {
    const a = csrfTokenFor('session-one-id');
    expect(a).toBe(csrfTokenFor('session-one-id'));
    expect(a).not.toBe(csrfTokenFor('session-two-id'));
    expect(constantTimeEqual(a, a)).toBe(true);
    expect(constantTimeEqual(a, a + 'x')).toBe(false);
    expect(constantTimeEqual('', a)).toBe(false);
  });
});

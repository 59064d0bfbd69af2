/**
 * Password hashing (scrypt, memory-hard, per-user salt) and the password policy. The hash string carries its own
 * parameters so the cost can be raised later without invalidating stored hashes.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { badRequest } from '../errors.js';

export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  logN: number;
  r: number;
  p: number;
}

/** N = 2^15, r = 8: 32 MiB and roughly 50–100 ms per hash on one core, the OWASP floor for scrypt. */
export const DEFAULT_SCRYPT: ScryptParams = { logN: 15, r: 8, p: 1 };

export const PASSWORD_MIN_LENGTH = 12;
/** An upper bound keeps a hostile body from making every login hash megabytes. */
export const PASSWORD_MAX_LENGTH = 1024;

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

function scryptAsync(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.logN;
  const opts: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 256 * N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, opts, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await scryptAsync(password, salt, params);
  return [
    'scrypt',
    params.logN,
    params.r,
    params.p,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, logN, r, p, salt, key] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(key, 'base64url');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64url'), {
    logN: Number(logN),
    r: Number(r),
    p: Number(p),
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Throws a 400 naming `field` when the password is not acceptable for `username`. */
export function checkPasswordPolicy(password: unknown, username: string, field = 'password'): string {
  if (typeof password !== 'string') throw badRequest('password must be a string', field);
  if ([...password].length < PASSWORD_MIN_LENGTH) {
    throw badRequest(`password must be at least ${PASSWORD_MIN_LENGTH} characters long`, field);
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    throw badRequest(`password must be at most ${PASSWORD_MAX_LENGTH} characters long`, field);
  }
  if (password.trim().toLowerCase() === username.trim().toLowerCase()) {
    throw badRequest('password must not be the username', field);
  }
  return password;
}

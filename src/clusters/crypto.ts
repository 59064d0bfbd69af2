// Encryption at rest for cluster credentials: AES-256-GCM with a random 12-byte nonce per message, the cluster
// name bound as additional authenticated data (a row's ciphertext cannot be moved to another cluster), and a
// versioned envelope carrying a key id so a wrong key is told apart from tampering.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const VERSION = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
export const KEY_FILE_NAME = 'secret.key';

/** The key could not be loaded or is unsafe; the server must not start. */
export class SecretKeyError extends Error {
  override name = 'SecretKeyError';
}

/** A stored secret could not be decrypted. Messages never include the secret or the key. */
export class CredentialsError extends Error {
  override name = 'CredentialsError';
  constructor(
    readonly kind: 'wrong-key' | 'tampered' | 'malformed',
    message: string,
  ) {
    super(message);
  }
}

const b64u = (b: Buffer) => b.toString('base64url');
const fromB64u = (s: string) => Buffer.from(s, 'base64url');

export class SecretBox {
  /** Short public fingerprint of the key (not secret: derived through a one-way hash). */
  readonly keyId: string;
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES)
      throw new SecretKeyError(`secret key must be ${KEY_BYTES} bytes, got ${key.length}`);
    this.#key = Buffer.from(key);
    this.keyId = createHash('sha256').update('knm-key-id:').update(key).digest('hex').slice(0, 8);
  }

  /** Encrypts `plaintext`; `context` (e.g. the cluster name) must be given again to open it. */
  seal(plaintext: string, context: string, nonce: Buffer = randomBytes(NONCE_BYTES)): string {
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, this.keyId, b64u(nonce), b64u(ct), b64u(cipher.getAuthTag())].join('.');
  }

  open(envelope: string, context: string): string {
    const parts = envelope.split('.');
    if (parts.length !== 5 || parts[0] !== VERSION) {
      throw new CredentialsError('malformed', 'stored credentials are not in a known format');
    }
    const [, kid, nonceS, ctS, tagS] = parts as [string, string, string, string, string];
    if (kid !== this.keyId) {
      throw new CredentialsError(
        'wrong-key',
        `stored credentials were encrypted with a different secret key (key id ${kid}, current ${this.keyId}); ` +
          'restore the original KNM_SECRET_KEY or secret.key, or remove and re-add the cluster',
      );
    }
    const nonce = fromB64u(nonceS);
    const tag = fromB64u(tagS);
    if (nonce.length !== NONCE_BYTES || tag.length !== TAG_BYTES) {
      throw new CredentialsError('malformed', 'stored credentials are not in a known format');
    }
    try {
      const d = createDecipheriv('aes-256-gcm', this.#key, nonce);
      d.setAAD(Buffer.from(context, 'utf8'));
      d.setAuthTag(tag);
      return Buffer.concat([d.update(fromB64u(ctS)), d.final()]).toString('utf8');
    } catch {
      throw new CredentialsError(
        'tampered',
        'stored credentials failed their integrity check (tampered with, corrupted, or belonging to another cluster)',
      );
    }
  }
}

/** Parses KNM_SECRET_KEY: standard or URL-safe base64 of exactly 32 bytes. */
export function parseSecretKey(text: string, what = 'KNM_SECRET_KEY'): Buffer {
  const t = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) {
    throw new SecretKeyError(`${what} must be base64 (generate one with: openssl rand -base64 32)`);
  }
  const key = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key.length !== KEY_BYTES) {
    throw new SecretKeyError(
      `${what} must decode to ${KEY_BYTES} bytes, got ${key.length} (generate one with: openssl rand -base64 32)`,
    );
  }
  return key;
}

export interface LoadedKey {
  key: Buffer;
  source: 'env' | 'file' | 'generated';
  file?: string;
}

/**
 * The key comes from KNM_SECRET_KEY, else from `<dataDir>/secret.key`, which is created (mode 0600) on first
 * start. An existing key file that group or others may read is refused rather than silently fixed: the key
 * may already have leaked, and the operator should know.
 */
export function loadSecretKey(opts: { secretKey: string; dataDir: string }): LoadedKey {
  if (opts.secretKey.trim() !== '') return { key: parseSecretKey(opts.secretKey), source: 'env' };
  const file = path.join(opts.dataDir, KEY_FILE_NAME);
  fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  try {
    const key = randomBytes(KEY_BYTES);
    // 'wx' fails if the file exists, so two processes sharing a data directory never overwrite each other.
    fs.writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    return { key, source: 'generated', file };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new SecretKeyError(`cannot create secret key file ${file}: ${(e as Error).message}`);
    }
  }
  const st = fs.statSync(file);
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    throw new SecretKeyError(
      `secret key file ${file} is accessible by group or others (mode ${(st.mode & 0o777).toString(8)}); ` +
        `restrict it with: chmod 600 ${file}`,
    );
  }
  return { key: parseSecretKey(fs.readFileSync(file, 'utf8'), file), source: 'file', file };
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CredentialsError,
  KEY_FILE_NAME,
  loadSecretKey,
  parseSecretKey,
  SecretBox,
  SecretKeyError,
} from '../../src/clusters/crypto.js';

const made: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'knm-key-'));
  made.push(d);
  return d;
};
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

/** Flips one bit inside the base64url part `index` of an envelope. */
function flip(envelope: string, index: number): string {
  const parts = envelope.split('.');
  const raw = Buffer.from(parts[index]!, 'base64url');
  raw[0] = raw[0]! ^ 1;
  parts[index] = raw.toString('base64url');
  return parts.join('.');
}

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));
  const secret = 'token: s3cr3t-bearer-token';

  it('round-trips and never repeats a ciphertext', () => {
    const a = box.seal(secret, 'prod');
    const b = box.seal(secret, 'prod');
    expect(a).not.toBe(b);
    expect(a).not.toContain('s3cr3t');
    expect(a.startsWith(`v1.${box.keyId}.`)).toBe(true);
    expect(box.open(a, 'prod')).toBe(secret);
    expect(box.open(b, 'prod')).toBe(secret);
  });

  it.each([
    ['nonce', 2],
    ['ciphertext', 3],
    ['tag', 4],
  ])('detects a modified %s', (_what, index) => {
    const tampered = flip(box.seal(secret, 'prod'), index);
    expect(() => box.open(tampered, 'prod')).toThrow(CredentialsError);
    expect(() => box.open(tampered, 'prod')).toThrow(/integrity check/);
  });

  it("refuses another cluster's ciphertext", () => {
    const env = box.seal(secret, 'prod');
    const err = (() => {
      try {
        box.open(env, 'staging');
      } catch (e) {
        return e as CredentialsError;
      }
    })();
    expect(err?.kind).toBe('tampered');
  });

  it('tells a different key apart from tampering', () => {
    const env = new SecretBox(randomBytes(32)).seal(secret, 'prod');
    expect(() => box.open(env, 'prod')).toThrow(/encrypted with a different secret key/);
  });

  it('rejects unknown envelope formats without echoing them', () => {
    expect(() => box.open('v0.zzz', 'prod')).toThrow(/not in a known format/);
    expect(() => box.open(secret, 'prod')).toThrow(CredentialsError);
    try {
      box.open(secret, 'prod');
    } catch (e) {
      expect((e as Error).message).not.toContain('s3cr3t');
    }
  });
});

describe('secret key loading', () => {
  it('accepts 32 bytes of base64 from KNM_SECRET_KEY and rejects anything else', () => {
    const key = randomBytes(32);
    expect(parseSecretKey(key.toString('base64')).equals(key)).toBe(true);
    expect(parseSecretKey(key.toString('base64url')).equals(key)).toBe(true);
    expect(() => parseSecretKey(randomBytes(16).toString('base64'))).toThrow(/32 bytes, got 16/);
    expect(() => parseSecretKey('not base64!')).toThrow(SecretKeyError);
    expect(() => parseSecretKey('not base64!')).toThrow(/openssl rand -base64 32/);
    const dir = tmp();
    const loaded = loadSecretKey({ secretKey: key.toString('base64'), dataDir: dir });
    expect(loaded.source).toBe('env');
    expect(fs.existsSync(path.join(dir, KEY_FILE_NAME))).toBe(false);
  });

  it('creates the key file with mode 0600 once and reads the same key afterwards', () => {
    const dir = tmp();
    const first = loadSecretKey({ secretKey: '', dataDir: dir });
    expect(first.source).toBe('generated');
    const file = path.join(dir, KEY_FILE_NAME);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const second = loadSecretKey({ secretKey: '', dataDir: dir });
    expect(second.source).toBe('file');
    expect(second.key.equals(first.key)).toBe(true);
  });

  it.skipIf(process.platform === 'win32')('refuses a key file that group or others can read', () => {
    const dir = tmp();
    loadSecretKey({ secretKey: '', dataDir: dir });
    const file = path.join(dir, KEY_FILE_NAME);
    fs.chmodSync(file, 0o640);
    expect(() => loadSecretKey({ secretKey: '', dataDir: dir })).toThrow(/mode 640.*chmod 600/);
  });

  it('refuses a corrupt key file', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, KEY_FILE_NAME), 'c2hvcnQ=\n', { mode: 0o600 });
    expect(() => loadSecretKey({ secretKey: '', dataDir: dir })).toThrow(/must decode to 32 bytes, got 5/);
  });
});

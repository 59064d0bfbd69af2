/**
 * Certificates for the simulator's HTTPS listener: a CA (generated, or loaded from PEM files so clients can
 * keep trusting it across restarts) and a serving certificate it signs for the address the simulator binds.
 * Real clients (kubectl, client-go) only send a bearer token over verified TLS, so this is what makes the
 * simulator usable by them without `insecure-skip-tls-verify`.
 *
 * Certificates are issued with @peculiar/x509 on Node's WebCrypto: no openssl binary is needed at runtime.
 */
import { createPrivateKey, randomBytes, webcrypto, X509Certificate as NodeX509 } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

// Node's WebCrypto types, so this builds without the DOM library.
type Crypto = webcrypto.Crypto;
type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type Algorithm = webcrypto.Algorithm;
type EcdsaParams = webcrypto.EcdsaParams;
const crypto: Crypto = webcrypto;
// @peculiar/x509 is typed against the DOM's WebCrypto, which Node's implements; these only restate the types.
type WithKey = x509.X509CertificateCreateWithKeyParams;
const xCrypto = webcrypto as unknown as NonNullable<
  Parameters<typeof x509.X509CertificateGenerator.create>[1]
>;
const xKey = (k: CryptoKey): WithKey['signingKey'] => k as unknown as WithKey['signingKey'];
const xKeys = (k: CryptoKeyPair): x509.X509CertificateCreateSelfSignedParams['keys'] =>
  k as unknown as x509.X509CertificateCreateSelfSignedParams['keys'];
const xAlg = (a: Algorithm | EcdsaParams): WithKey['signingAlgorithm'] => a as WithKey['signingAlgorithm'];
const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN_EC = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
/** Backdated so a client whose clock is slightly behind still accepts a certificate issued just now. */
const BACKDATE_MS = 3_600_000;

export interface SimCa {
  /** PEM certificate; what clients put in `certificate-authority-data`. */
  certPem: string;
  /** PEM (PKCS#8) private key. */
  keyPem: string;
}

export interface ServingCert {
  certPem: string;
  keyPem: string;
}

export class TlsSetupError extends Error {
  override name = 'TlsSetupError';
}

/** Positive, non-zero, 128-bit: what Go's x509 parser insists on (it rejects negative serials). */
function serialNumber(): string {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x01;
  return b.toString('hex');
}

function pkcs8Pem(der: ArrayBuffer): string {
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

export async function generateCa(commonName = 'knm-sim-ca'): Promise<SimCa> {
  const keys = (await crypto.subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serialNumber(),
      name: `CN=${commonName}`,
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(now + 3650 * DAY_MS),
      keys: xKeys(keys),
      signingAlgorithm: SIGN_EC,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(xKey(keys.publicKey), false, xCrypto),
      ],
    },
    xCrypto,
  );
  return {
    certPem: cert.toString('pem'),
    keyPem: pkcs8Pem(await crypto.subtle.exportKey('pkcs8', keys.privateKey)),
  };
}

/** A CA key in any PEM form Node reads (PKCS#8, SEC1, PKCS#1) as a WebCrypto signing key and its algorithm. */
async function signingKeyOf(keyPem: string): Promise<{ key: CryptoKey; alg: Algorithm | EcdsaParams }> {
  let ko;
  try {
    ko = createPrivateKey(keyPem);
  } catch (e) {
    throw new TlsSetupError(`the CA key is not a readable PEM private key (${(e as Error).message})`);
  }
  const der = ko.export({ type: 'pkcs8', format: 'der' });
  const pkcs8 = der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength) as ArrayBuffer;
  if (ko.asymmetricKeyType === 'ec') {
    const curve = ko.asymmetricKeyDetails?.namedCurve;
    const named = curve === 'prime256v1' ? 'P-256' : curve === 'secp384r1' ? 'P-384' : undefined;
    if (!named) throw new TlsSetupError(`the CA key uses curve ${curve ?? '?'}; P-256 or P-384 is supported`);
    const key = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve: named }, false, [
      'sign',
    ]);
    return { key, alg: { name: 'ECDSA', hash: named === 'P-256' ? 'SHA-256' : 'SHA-384' } as EcdsaParams };
  }
  if (ko.asymmetricKeyType === 'rsa') {
    const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    const key = await crypto.subtle.importKey('pkcs8', pkcs8, alg, false, ['sign']);
    return { key, alg };
  }
  throw new TlsSetupError(
    `the CA key is of type ${ko.asymmetricKeyType ?? '?'}; an EC or RSA key is supported`,
  );
}

/** The names a serving certificate covers for a bind address: the address itself, and loopback by name. */
export function subjectAltNames(host: string, extra: string[] = []): { ips: string[]; dns: string[] } {
  const ips = new Set<string>(['127.0.0.1', '::1']);
  const dns = new Set<string>(['localhost']);
  const add = (h: string): void => {
    const bare = h.replace(/^\[(.*)\]$/, '$1');
    if (!bare) return;
    if (net.isIP(bare)) ips.add(bare);
    else dns.add(bare.toLowerCase());
  };
  if (host === '0.0.0.0' || host === '::') {
    // A wildcard bind is reached through any of the machine's addresses.
    for (const list of Object.values(os.networkInterfaces()))
      for (const a of list ?? []) if (!a.address.startsWith('fe80:')) add(a.address);
    add(os.hostname());
  } else add(host);
  for (const h of extra) add(h);
  return { ips: [...ips], dns: [...dns] };
}

export async function issueServingCert(
  ca: SimCa,
  host: string,
  extraNames: string[] = [],
): Promise<ServingCert> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const { key: caKey, alg } = await signingKeyOf(ca.keyPem);
  const keys = (await crypto.subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
  const { ips, dns } = subjectAltNames(host, extraNames);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialNumber(),
      subject: 'CN=knm-sim',
      issuer: caCert.subject,
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(Math.min(now + 365 * DAY_MS, caCert.notAfter.getTime())),
      publicKey: xKey(keys.publicKey),
      signingKey: xKey(caKey),
      signingAlgorithm: xAlg(alg),
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([
          ...dns.map((value) => ({ type: 'dns' as const, value })),
          ...ips.map((value) => ({ type: 'ip' as const, value })),
        ]),
        await x509.SubjectKeyIdentifierExtension.create(xKey(keys.publicKey), false, xCrypto),
        await x509.AuthorityKeyIdentifierExtension.create(caCert, false, xCrypto),
      ],
    },
    xCrypto,
  );
  return {
    certPem: cert.toString('pem'),
    keyPem: pkcs8Pem(await crypto.subtle.exportKey('pkcs8', keys.privateKey)),
  };
}

/** Checks that a CA given by the caller is one: a CA certificate, in date, whose key is the one given. */
export function checkCa(ca: SimCa): void {
  let cert: NodeX509;
  try {
    cert = new NodeX509(ca.certPem);
  } catch (e) {
    throw new TlsSetupError(`the CA certificate is not a readable PEM certificate (${(e as Error).message})`);
  }
  if (!cert.ca) throw new TlsSetupError(`the CA certificate (${cert.subject}) is not a CA certificate`);
  if (new Date(cert.validTo).getTime() <= Date.now())
    throw new TlsSetupError(`the CA certificate expired on ${cert.validTo}`);
  let matches: boolean;
  try {
    matches = cert.checkPrivateKey(createPrivateKey(ca.keyPem));
  } catch (e) {
    throw new TlsSetupError(`the CA key is not a readable PEM private key (${(e as Error).message})`);
  }
  if (!matches) throw new TlsSetupError('the CA key does not belong to the CA certificate');
}

/**
 * The CA kept in `certFile`/`keyFile`: loaded (and checked) when both exist, generated and written (key mode
 * 0600) when neither does, so a client configured once keeps working across restarts. One without the other
 * is refused rather than silently replaced.
 */
export async function loadOrCreateCa(
  certFile: string,
  keyFile: string,
): Promise<{ ca: SimCa; created: boolean }> {
  const haveCert = fs.existsSync(certFile);
  const haveKey = fs.existsSync(keyFile);
  if (haveCert && haveKey) {
    const ca = { certPem: fs.readFileSync(certFile, 'utf8'), keyPem: fs.readFileSync(keyFile, 'utf8') };
    checkCa(ca);
    return { ca, created: false };
  }
  if (haveCert || haveKey)
    throw new TlsSetupError(
      `${haveCert ? certFile : keyFile} exists but ${haveCert ? keyFile : certFile} does not; give both or neither`,
    );
  const ca = await generateCa();
  fs.mkdirSync(path.dirname(path.resolve(keyFile)), { recursive: true });
  fs.mkdirSync(path.dirname(path.resolve(certFile)), { recursive: true });
  fs.writeFileSync(keyFile, ca.keyPem, { mode: 0o600, flag: 'wx' });
  fs.writeFileSync(certFile, ca.certPem, { mode: 0o644, flag: 'wx' });
  return { ca, created: true };
}

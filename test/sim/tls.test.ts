/* eslint-disable @typescript-eslint/no-explicit-any -- tests read arbitrary Kubernetes JSON */
// The simulator as a TLS server: what a client that verifies certificates (kubectl, client-go,
// @kubernetes/client-node) sees, the CA it may be given, and the bearer token that changes every start.
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { startSim, type SimServer } from '../../src/sim/index.js';
import { generateCa, loadOrCreateCa, TlsSetupError } from '../../src/sim/tls.js';
import { api } from './helpers.js';

const sims: SimServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of sims.splice(0)) await s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function sim(opts: Parameters<typeof startSim>[0] = {}): Promise<SimServer> {
  const s = await startSim({ nodes: 2, podsPerNode: 1, ...opts });
  sims.push(s);
  return s;
}

function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'knm-sim-tls-'));
  dirs.push(d);
  return d;
}

/** The certificate the server presents when reached as `servername` (SNI / verified host name). */
function peerCertificate(
  port: number,
  host: string,
  ca: string | undefined,
  servername?: string,
): Promise<{ cert: X509Certificate; authorized: boolean; error?: string }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host, port, ca, servername, rejectUnauthorized: false }, () => {
      const raw = socket.getPeerX509Certificate();
      socket.end();
      if (!raw) return reject(new Error('no peer certificate'));
      const err = socket.authorizationError;
      resolve({ cert: raw, authorized: socket.authorized, error: err ? String(err) : undefined });
    });
    socket.on('error', reject);
  });
}

function kubeconfigOf(text: string): any {
  return yaml.load(text);
}

describe('simulator over TLS', () => {
  it('serves HTTPS by default with a certificate for the bound address, and a kubeconfig that carries its CA', async () => {
    const s = await sim();
    expect(s.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const kc = kubeconfigOf(s.kubeconfig());
    const cluster = kc.clusters[0].cluster;
    expect(cluster['insecure-skip-tls-verify']).toBeUndefined();
    expect(Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8')).toBe(s.caCertPem);

    // Verified against the CA alone, as 127.0.0.1 and as localhost.
    const byIp = await peerCertificate(s.port, '127.0.0.1', s.caCertPem);
    expect(byIp.authorized).toBe(true);
    expect(byIp.cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(byIp.cert.checkHost('localhost')).toBe('localhost');
    expect(byIp.cert.verify(new X509Certificate(s.caCertPem!).publicKey)).toBe(true);
    // Without the CA the certificate is not trusted: nothing falls back to accepting anything.
    const untrusted = await peerCertificate(s.port, '127.0.0.1', undefined);
    expect(untrusted.authorized).toBe(false);

    // A client that verifies (client-node, as kubectl would) lists nodes with the kubeconfig as written.
    const k = new KubeConfig();
    k.loadFromString(s.kubeconfig());
    const nodes = await k.makeApiClient(CoreV1Api).listNode();
    expect(nodes.items).toHaveLength(2);
  });

  it('refuses a client that does not trust its CA', async () => {
    const s = await sim();
    const other = await generateCa();
    const err = await new Promise<Error>((resolve) => {
      https
        .get(`${s.url}/version`, { ca: other.certPem, agent: false }, () => resolve(new Error('connected')))
        .on('error', resolve);
    });
    expect((err as NodeJS.ErrnoException).code).toMatch(/CERT|SIGNATURE|SELF_SIGNED|UNABLE/);
  });

  it('uses a random bearer token per start, and the read-only one likewise', async () => {
    const a = await sim();
    const b = await sim();
    expect(a.token).not.toBe(b.token);
    expect(a.readOnlyToken).not.toBe(b.readOnlyToken);
    expect(a.token).not.toBe(a.readOnlyToken);
    expect(a.token.length).toBeGreaterThanOrEqual(40);
    // The token that used to be fixed (and documented) is just a wrong token now.
    expect((await api(a, 'GET', '/api/v1/nodes', { token: 'knm-sim-admin-token' })).status).toBe(401);
    expect((await api(a, 'GET', '/api/v1/nodes', { token: b.token })).status).toBe(401);
    expect((await api(a, 'GET', '/api/v1/nodes')).status).toBe(200);
  });

  it('signs with a CA it is given, so a client configured once keeps working across restarts', async () => {
    const ca = await generateCa();
    const a = await sim({ tls: { ca } });
    const b = await sim({ tls: { ca } });
    expect(a.caCertPem).toBe(ca.certPem);
    for (const s of [a, b])
      expect((await peerCertificate(s.port, '127.0.0.1', ca.certPem)).authorized).toBe(true);
    // Each start still issues its own serving certificate.
    const certA = (await peerCertificate(a.port, '127.0.0.1', ca.certPem)).cert;
    const certB = (await peerCertificate(b.port, '127.0.0.1', ca.certPem)).cert;
    expect(certA.serialNumber).not.toBe(certB.serialNumber);
  });

  it('covers extra names and a wildcard bind is reached through loopback', async () => {
    const s = await sim({ host: '0.0.0.0', tls: { extraNames: ['sim.example.test', '10.11.12.13'] } });
    expect(s.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const { cert, authorized } = await peerCertificate(s.port, '127.0.0.1', s.caCertPem, 'sim.example.test');
    expect(authorized).toBe(true);
    expect(cert.checkHost('sim.example.test')).toBe('sim.example.test');
    expect(cert.checkIP('10.11.12.13')).toBe('10.11.12.13');
    expect(cert.checkHost('other.example.test')).toBeUndefined();
  });

  it('serves plain HTTP only when asked, with a kubeconfig that says so', async () => {
    const s = await sim({ tls: false });
    expect(s.url).toMatch(/^http:\/\//);
    expect(s.caCertPem).toBeUndefined();
    expect(kubeconfigOf(s.kubeconfig()).clusters[0].cluster['insecure-skip-tls-verify']).toBe(true);
    expect((await api(s, 'GET', '/api/v1/nodes')).body.items).toHaveLength(2);
  });
});

describe('the CA kept in files', () => {
  it('is generated on first use (key readable by the owner only) and reused afterwards', async () => {
    const d = tmpDir();
    const certFile = path.join(d, 'ca.crt');
    const keyFile = path.join(d, 'ca.key');
    const first = await loadOrCreateCa(certFile, keyFile);
    expect(first.created).toBe(true);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(new X509Certificate(fs.readFileSync(certFile)).ca).toBe(true);
    const second = await loadOrCreateCa(certFile, keyFile);
    expect(second.created).toBe(false);
    expect(second.ca).toEqual(first.ca);
  });

  it('refuses one file without the other, a key that is not the certificate’s, and a certificate that is not a CA', async () => {
    const d = tmpDir();
    const a = await generateCa();
    const b = await generateCa();
    const only = path.join(d, 'only.crt');
    fs.writeFileSync(only, a.certPem);
    await expect(loadOrCreateCa(only, path.join(d, 'missing.key'))).rejects.toThrow(/give both or neither/);
    // Nothing was created in its place.
    expect(fs.existsSync(path.join(d, 'missing.key'))).toBe(false);

    const wrongKey = path.join(d, 'wrong.key');
    fs.writeFileSync(wrongKey, b.keyPem);
    await expect(loadOrCreateCa(only, wrongKey)).rejects.toThrow(TlsSetupError);
    await expect(loadOrCreateCa(only, wrongKey)).rejects.toThrow(/does not belong/);

    // A serving certificate (not a CA) with its own key.
    const s = await sim({ tls: { ca: a } });
    const leaf = (await peerCertificate(s.port, '127.0.0.1', a.certPem)).cert;
    const leafFile = path.join(d, 'leaf.crt');
    fs.writeFileSync(leafFile, leaf.toString());
    await expect(loadOrCreateCa(leafFile, wrongKey)).rejects.toThrow(/not a CA certificate/);

    const junk = path.join(d, 'junk.key');
    fs.writeFileSync(junk, 'not a key');
    await expect(loadOrCreateCa(only, junk)).rejects.toThrow(/not a readable PEM private key/);
  });
});

describe('npm run sim', () => {
  it('writes a kubeconfig a verifying client can use, and never prints the token', async () => {
    const d = tmpDir();
    const kubeconfig = path.join(d, 'sim.kubeconfig');
    const caCert = path.join(d, 'ca.crt');
    const caKey = path.join(d, 'ca.key');
    const tsx = path.resolve('node_modules/tsx/dist/cli.mjs');
    const child = spawn(
      process.execPath,
      [
        tsx,
        'src/sim/main.ts',
        '--nodes',
        '3',
        '--pods-per-node',
        '0',
        '--no-churn',
        '--kubeconfig',
        kubeconfig,
        '--ca-cert',
        caCert,
        '--ca-key',
        caKey,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (out.includes('kubeconfig written')) resolve();
        };
        child.stdout.on('data', check);
        child.on('exit', (code) => reject(new Error(`sim exited ${code}: ${out}`)));
      });
      expect(fs.statSync(kubeconfig).mode & 0o777).toBe(0o600);
      const text = fs.readFileSync(kubeconfig, 'utf8');
      const kc = kubeconfigOf(text);
      expect(kc.clusters[0].cluster.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64').toString()).toBe(
        fs.readFileSync(caCert, 'utf8'),
      );
      expect(out).toContain(`CA generated and written to ${caCert}`);
      expect(out).not.toContain(kc.users[0].user.token);
      const k = new KubeConfig();
      k.loadFromString(text);
      expect((await k.makeApiClient(CoreV1Api).listNode()).items).toHaveLength(3);
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('refuses contradictory TLS flags with a clear message', async () => {
    const tsx = path.resolve('node_modules/tsx/dist/cli.mjs');
    const run = (args: string[]): Promise<{ code: number | null; err: string }> =>
      new Promise((resolve) => {
        const c = spawn(process.execPath, [tsx, 'src/sim/main.ts', ...args], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let err = '';
        c.stderr.on('data', (b: Buffer) => (err += b.toString()));
        c.on('exit', (code) => resolve({ code, err }));
      });
    expect(await run(['--insecure-http', '--ca-cert', 'x', '--ca-key', 'y'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('--insecure-http cannot be combined'),
    });
    expect(await run(['--ca-cert', 'x'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('go together'),
    });
  });
});

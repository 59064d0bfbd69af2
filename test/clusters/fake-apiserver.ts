// A tiny stand-in for a Kubernetes API server (node:http / node:https) answering /version and LIST nodes,
// with a bearer token check and a switch to forbid node listing. Enough to drive the connection test.
import http from 'node:http';
import https from 'node:https';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

export interface FakeApiOptions {
  token: string;
  /** Answer LIST nodes with 403 (as RBAC does for a user without `list nodes`). */
  forbidNodes?: boolean;
  nodeCount?: number;
  tls?: { key: string; cert: string };
}

export interface FakeApi {
  url: string;
  /** Authorization headers seen, in order. */
  authHeaders: (string | undefined)[];
  close(): Promise<void>;
}

const status = (code: number, reason: string, message: string) =>
  JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code });

export async function startFakeApi(o: FakeApiOptions): Promise<FakeApi> {
  const authHeaders: (string | undefined)[] = [];
  const handler: http.RequestListener = (req, res) => {
    authHeaders.push(req.headers.authorization);
    res.setHeader('content-type', 'application/json');
    if (req.headers.authorization !== `Bearer ${o.token}`) {
      res.statusCode = 401;
      return res.end(status(401, 'Unauthorized', 'Unauthorized'));
    }
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/version') {
      return res.end(JSON.stringify({ major: '1', minor: '31', gitVersion: 'v1.31.4' }));
    }
    if (url.pathname === '/api/v1/nodes') {
      if (o.forbidNodes) {
        res.statusCode = 403;
        return res.end(
          status(
            403,
            'Forbidden',
            'nodes is forbidden: User "viewer" cannot list resource "nodes" at the cluster scope',
          ),
        );
      }
      const n = o.nodeCount ?? 3;
      const limit = Number(url.searchParams.get('limit') ?? n);
      const items = Array.from({ length: Math.min(limit, n) }, (_, i) => ({
        metadata: { name: `node-${i}` },
      }));
      const metadata = n > items.length ? { remainingItemCount: n - items.length, continue: 'x' } : {};
      return res.end(JSON.stringify({ kind: 'NodeList', apiVersion: 'v1', metadata, items }));
    }
    res.statusCode = 404;
    res.end(status(404, 'NotFound', 'not found'));
  };
  const server = o.tls ? https.createServer(o.tls, handler) : http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${o.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    authHeaders,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A self-signed certificate for 127.0.0.1, made with the openssl CLI; undefined when openssl is missing. */
export function selfSignedCert(): { key: string; cert: string } | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knm-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=knm-test',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    return {
      key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'),
      cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8'),
    };
  } catch {
    return undefined;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface KubeconfigContext {
  name: string;
  server: string;
  token: string;
  caPem?: string;
}

/** Kubeconfig YAML with one cluster/user per context. */
export function kubeconfigYaml(contexts: KubeconfigContext[], current?: string): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const lines = ['apiVersion: v1', 'kind: Config', 'clusters:'];
  for (const c of contexts) {
    lines.push(`- name: ${c.name}-cluster`, '  cluster:', `    server: ${c.server}`);
    if (c.caPem) lines.push(`    certificate-authority-data: ${b64(c.caPem)}`);
    // client-node refuses plain http unless TLS verification is explicitly off.
    if (c.server.startsWith('http://')) lines.push('    insecure-skip-tls-verify: true');
  }
  lines.push('users:');
  for (const c of contexts) lines.push(`- name: ${c.name}-user`, '  user:', `    token: ${c.token}`);
  lines.push('contexts:');
  for (const c of contexts) {
    lines.push(
      `- name: ${c.name}`,
      '  context:',
      `    cluster: ${c.name}-cluster`,
      `    user: ${c.name}-user`,
    );
  }
  if (current) lines.push(`current-context: ${current}`);
  return lines.join('\n') + '\n';
}

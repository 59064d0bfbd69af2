import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../server/harness.js';
import { kubeconfigYaml, selfSignedCert, startFakeApi, type FakeApi } from './fake-apiserver.js';
import type { ClusterRecord } from '../../src/clusters/types.js';

const TOKEN = 'tok-9f8e7d6c5b4a-secret';
const OTHER_TOKEN = 'tok-forbidden-0a1b2c3d';

let api: FakeApi;
let forbiddenApi: FakeApi;
const apps: TestApp[] = [];

beforeAll(async () => {
  api = await startFakeApi({ token: TOKEN, nodeCount: 7 });
  forbiddenApi = await startFakeApi({ token: OTHER_TOKEN, forbidNodes: true });
});
afterAll(async () => {
  await api.close();
  await forbiddenApi.close();
});
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

async function newApp(o: Parameters<typeof makeTestApp>[0] = {}): Promise<TestApp> {
  const a = await makeTestApp(o);
  apps.push(a);
  return a;
}

/** A port nothing listens on: bind, note, close. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function storedRows(a: TestApp) {
  return a.app.services.store.db.selectFrom('clusters').selectAll().execute();
}

const good = () => kubeconfigYaml([{ name: 'prod', server: api.url, token: TOKEN }], 'prod');

describe('adding a cluster from a kubeconfig', () => {
  it('tests, saves encrypted, announces it and answers ClusterInfo without credentials', async () => {
    const a = await newApp();
    const added: [ClusterRecord, string][] = [];
    a.app.services.clusters.on('added', (r, client, origin) => added.push([r, `${client.server} ${origin}`]));
    const res = await a.call('POST', '/api/v1/clusters', {
      name: 'prod-eu',
      source: 'kubeconfig',
      kubeconfig: good(),
    });
    expect(res.statusCode).toBe(201);
    const info = res.json();
    expect(info).toMatchObject({
      name: 'prod-eu',
      source: 'kubeconfig',
      server: api.url,
      context: 'prod',
      createdBy: 'test-admin',
      podIndex: true,
      impersonate: false,
      nodeCount: 0,
      // The live cache starts following it at once; the first LIST has not finished when the answer is sent.
      state: 'syncing',
    });
    expect(Object.keys(info).sort()).toEqual([
      'context',
      'createdAt',
      'createdBy',
      'impersonate',
      'name',
      'nodeCount',
      'permissions',
      'podIndex',
      'readyNodeCount',
      'server',
      'source',
      'state',
    ]);
    expect(added.map(([r, s]) => [r.name, s])).toEqual([['prod-eu', `${api.url} api`]]);

    const rows = await storedRows(a);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.credentials_enc).toMatch(/^v1\./);
    expect(rows[0]!.credentials_enc).not.toContain(TOKEN);

    expect(
      (await a.call('GET', '/api/v1/clusters')).json().items.map((c: { name: string }) => c.name),
    ).toEqual(['prod-eu']);
    expect((await a.call('GET', '/api/v1/clusters/prod-eu')).json().name).toBe('prod-eu');
    // The client built for the cluster carries the stored credentials.
    const version = await a.app.services.clusters
      .client('prod-eu')
      .request<{ gitVersion: string }>({ path: '/version' });
    expect(version.gitVersion).toBe('v1.31.4');
  });

  it('stores only the chosen context of a multi-context kubeconfig and reloads it at the next start', async () => {
    const a = await newApp();
    const text = kubeconfigYaml(
      [
        { name: 'other', server: 'https://10.9.9.9:6443', token: 'tok-other-context-zzz' },
        { name: 'prod', server: api.url, token: TOKEN },
      ],
      'other',
    );
    const res = await a.call('POST', '/api/v1/clusters', {
      name: 'prod',
      source: 'kubeconfig',
      kubeconfig: text,
      context: 'prod',
      podIndex: false,
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().podIndex).toBe(false);
    const plain = a.app.services.secrets.open((await storedRows(a))[0]!.credentials_enc!, 'prod');
    expect(plain).toContain(TOKEN);
    expect(plain).not.toContain('tok-other-context-zzz');
    expect(plain).not.toContain('10.9.9.9');
    await a.close();
    apps.pop();

    const b = await makeTestApp({ dataDir: a.dataDir, listen: false });
    apps.push(b);
    expect(b.app.services.clusters.list().map((r) => [r.name, r.options.podIndex])).toEqual([
      ['prod', false],
    ]);
    const v = await b.app.services.clusters
      .client('prod')
      .request<{ gitVersion: string }>({ path: '/version' });
    expect(v.gitVersion).toBe('v1.31.4');
  });

  it('announces saved clusters at start as origin "boot"', async () => {
    const a = await newApp();
    expect(
      (await a.call('POST', '/api/v1/clusters', { name: 'c1', source: 'kubeconfig', kubeconfig: good() }))
        .statusCode,
    ).toBe(201);
    await a.close();
    apps.pop();
    const b = await makeTestApp({ dataDir: a.dataDir, listen: false });
    apps.push(b);
    const seen: string[] = [];
    // A second registry over the same store, subscribed before start, as the cache will be.
    const { ClusterRegistry } = await import('../../src/clusters/registry.js');
    const r = new ClusterRegistry({
      store: b.app.services.store,
      secrets: b.app.services.secrets,
      log: b.app.services.log,
      config: b.config,
    });
    r.on('added', (rec, _c, origin) => seen.push(`${rec.name}:${origin}`));
    await r.start();
    r.stop();
    expect(seen).toEqual(['c1:boot']);
  });

  it('supports a dry run and a test that save nothing', async () => {
    const a = await newApp();
    const body = { name: 'prod', source: 'kubeconfig', kubeconfig: good() };
    const dry = await a.call('POST', '/api/v1/clusters?dryRun=true', body);
    expect(dry.statusCode).toBe(200);
    // This fake API server has no SelfSubjectAccessReview: the permission matrix says it could not ask.
    const unknown = expect.objectContaining({ checked: false, operations: [] });
    expect(dry.json()).toEqual({ ok: true, version: 'v1.31.4', nodeCount: 7, permissions: unknown });
    const test = await a.call('POST', '/api/v1/clusters/test', { source: 'kubeconfig', kubeconfig: good() });
    expect(test.json()).toEqual({ ok: true, version: 'v1.31.4', nodeCount: 7, permissions: unknown });
    expect(await storedRows(a)).toHaveLength(0);
    expect(a.app.services.clusters.list()).toHaveLength(0);
    // A dry run checks the name like an add would.
    await a.call('POST', '/api/v1/clusters', body);
    const taken = await a.call('POST', '/api/v1/clusters?dryRun=true', body);
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.code).toBe('AlreadyExists');
  });

  it('replicas converge on the cluster table (added and removed elsewhere)', async () => {
    const a = await newApp();
    const { ClusterRegistry } = await import('../../src/clusters/registry.js');
    const other = new ClusterRegistry({
      store: a.app.services.store,
      secrets: a.app.services.secrets,
      log: a.app.services.log,
      config: a.config,
    });
    const events: string[] = [];
    other.on('added', (r, _c, origin) => events.push(`added ${r.name} ${origin}`));
    other.on('removed', (name, origin) => events.push(`removed ${name} ${origin}`));
    await other.start();
    await a.call('POST', '/api/v1/clusters', { name: 'prod', source: 'kubeconfig', kubeconfig: good() });
    await other.sync();
    expect(other.list().map((r) => r.name)).toEqual(['prod']);
    await a.call('DELETE', '/api/v1/clusters/prod');
    await other.sync();
    other.stop();
    expect(events).toEqual(['added prod sync', 'removed prod sync']);
  });
});

describe('each bad input has its own error and saves nothing', () => {
  const cert = selfSignedCert();

  async function expectRejected(
    a: TestApp,
    body: Record<string, unknown>,
    status: number,
    code: string,
    message: RegExp,
    field?: string,
  ) {
    for (const url of ['/api/v1/clusters', '/api/v1/clusters/test']) {
      const res = await a.call('POST', url, body);
      expect(res.statusCode, res.body).toBe(status);
      const err = res.json().error;
      expect(err.code).toBe(code);
      expect(err.message).toMatch(message);
      if (field) expect(err.field).toBe(field);
    }
    expect(await storedRows(a)).toHaveLength(0);
    expect(a.app.services.clusters.list()).toHaveLength(0);
  }

  it('unparsable kubeconfig text', async () => {
    const a = await newApp();
    await expectRejected(
      a,
      { name: 'x', source: 'kubeconfig', kubeconfig: 'clusters: [\n  token: ' + TOKEN },
      400,
      'InvalidKubeconfig',
      /could not be parsed/,
      'kubeconfig',
    );
    await expectRejected(
      a,
      { name: 'x', source: 'kubeconfig', kubeconfig: 'just words' },
      400,
      'InvalidKubeconfig',
      /not a YAML/,
    );
    expect(a.bodies.join('\n')).not.toContain(TOKEN);
  });

  it('unknown context, listing the known ones', async () => {
    const a = await newApp();
    const res = await a.call('POST', '/api/v1/clusters', {
      name: 'x',
      source: 'kubeconfig',
      kubeconfig: good(),
      context: 'staging',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'UnknownContext',
      field: 'context',
      details: { contexts: ['prod'] },
    });
    expect(res.json().error.message).toMatch(/"staging" not found .*known contexts: prod/);
    expect(await storedRows(a)).toHaveLength(0);
  });

  it('unreachable server (closed port)', async () => {
    const a = await newApp();
    const server = `http://127.0.0.1:${await closedPort()}`;
    await expectRejected(
      a,
      {
        name: 'x',
        source: 'kubeconfig',
        kubeconfig: kubeconfigYaml([{ name: 'c', server, token: TOKEN }], 'c'),
      },
      502,
      'Unreachable',
      new RegExp(`cannot reach the API server at ${server}.*ECONNREFUSED`),
    );
  });

  it.skipIf(!cert)(
    'TLS failure (self-signed certificate, no CA given) — and success once the CA is given',
    async () => {
      const tlsApi = await startFakeApi({ token: TOKEN, tls: cert! });
      try {
        const a = await newApp();
        await expectRejected(
          a,
          {
            name: 'x',
            source: 'kubeconfig',
            kubeconfig: kubeconfigYaml([{ name: 'c', server: tlsApi.url, token: TOKEN }], 'c'),
          },
          502,
          'TLSError',
          /TLS verification .* failed.*SELF_SIGNED/,
        );
        const withCa = kubeconfigYaml(
          [{ name: 'c', server: tlsApi.url, token: TOKEN, caPem: cert!.cert }],
          'c',
        );
        const ok = await a.call('POST', '/api/v1/clusters', {
          name: 'tls',
          source: 'kubeconfig',
          kubeconfig: withCa,
        });
        expect(ok.statusCode, ok.body).toBe(201);
      } finally {
        await tlsApi.close();
      }
    },
  );

  it('credentials rejected by the cluster (401)', async () => {
    const a = await newApp();
    await expectRejected(
      a,
      {
        name: 'x',
        source: 'kubeconfig',
        kubeconfig: kubeconfigYaml([{ name: 'c', server: api.url, token: 'wrong' }], 'c'),
      },
      400,
      'Unauthorized',
      /rejected the credentials \(401\)/,
    );
  });

  it('reachable but may not list nodes (403)', async () => {
    const a = await newApp();
    await expectRejected(
      a,
      {
        name: 'x',
        source: 'kubeconfig',
        kubeconfig: kubeconfigYaml([{ name: 'c', server: forbiddenApi.url, token: OTHER_TOKEN }], 'c'),
      },
      400,
      'Forbidden',
      /can reach the server .* but may not list nodes: nodes is forbidden: User "viewer" cannot list/,
    );
  });

  it.each(['Prod', 'prod_eu', '-prod', 'prod-', 'a'.repeat(64), '', 'prod.eu'])(
    'invalid name %j',
    async (name) => {
      const a = await newApp();
      const before = api.authHeaders.length;
      const res = await a.call('POST', '/api/v1/clusters', {
        name,
        source: 'kubeconfig',
        kubeconfig: good(),
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'InvalidName', field: 'name' });
      expect(await storedRows(a)).toHaveLength(0);
      expect(api.authHeaders.length, 'no connection is attempted for a bad name').toBe(before);
    },
  );

  it('duplicate name', async () => {
    const a = await newApp();
    const body = { name: 'prod', source: 'kubeconfig', kubeconfig: good() };
    expect((await a.call('POST', '/api/v1/clusters', body)).statusCode).toBe(201);
    const dup = await a.call('POST', '/api/v1/clusters', body);
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error).toMatchObject({ code: 'AlreadyExists', field: 'name' });
    expect(await storedRows(a)).toHaveLength(1);
  });

  it('two concurrent adds of one name: one wins, one is refused', async () => {
    const a = await newApp();
    const body = { name: 'prod', source: 'kubeconfig', kubeconfig: good() };
    const codes = (
      await Promise.all([a.call('POST', '/api/v1/clusters', body), a.call('POST', '/api/v1/clusters', body)])
    )
      .map((r) => r.statusCode)
      .sort();
    expect(codes).toEqual([201, 409]);
    expect(await storedRows(a)).toHaveLength(1);
  });

  it('kubeconfigs that would run programs or read files on the server', async () => {
    const a = await newApp();
    const exec = good().replace(
      `    token: ${TOKEN}`,
      '    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: /bin/touch\n      args: [/tmp/knm-pwned]',
    );
    await expectRejected(
      a,
      { name: 'x', source: 'kubeconfig', kubeconfig: exec },
      400,
      'InvalidKubeconfig',
      /exec credential plugin/,
    );
    const secretFile = path.join(a.dataDir, 'secret.key');
    const tokenFile = good().replace(`    token: ${TOKEN}`, `    token-file: ${secretFile}`);
    await expectRejected(
      a,
      { name: 'x', source: 'kubeconfig', kubeconfig: tokenFile },
      400,
      'InvalidKubeconfig',
      /token-file/,
    );
    const caFile = good().replace(
      `    server: ${api.url}`,
      `    server: ${api.url}\n    certificate-authority: /etc/hostname`,
    );
    await expectRejected(
      a,
      { name: 'x', source: 'kubeconfig', kubeconfig: caFile },
      400,
      'InvalidKubeconfig',
      /--flatten/,
    );
    // The key file's content never went to the (fake) cluster.
    const key = fs.readFileSync(secretFile, 'utf8').trim();
    expect(api.authHeaders.some((h) => h?.includes(key))).toBe(false);
  });

  it('malformed bodies name the field', async () => {
    const a = await newApp();
    const cases: [unknown, string][] = [
      [{ name: 'x' }, 'source'],
      [{ name: 'x', source: 'cloud' }, 'source'],
      [{ source: 'kubeconfig', kubeconfig: good() }, 'name'],
      [{ name: 'x', source: 'kubeconfig' }, 'kubeconfig'],
      [{ name: 'x', source: 'server-context' }, 'context'],
      [{ name: 'x', source: 'in-cluster', podIndex: 'yes' }, 'podIndex'],
      [{ name: 'x', source: 'in-cluster', impersonate: 'yes' }, 'impersonate'],
    ];
    for (const [body, field] of cases) {
      const res = await a.call('POST', '/api/v1/clusters', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'BadRequest', field });
    }
    expect(await storedRows(a)).toHaveLength(0);
  });
});

describe('server-context and in-cluster sources', () => {
  it('lists and uses contexts of the server kubeconfig, storing only the reference', async () => {
    const a0 = await makeTestApp();
    await a0.close();
    const kcFile = path.join(a0.dataDir, 'server-kubeconfig');
    fs.writeFileSync(
      kcFile,
      kubeconfigYaml(
        [
          { name: 'lab', server: api.url, token: TOKEN },
          { name: 'edge', server: forbiddenApi.url, token: OTHER_TOKEN },
        ],
        'lab',
      ),
    );
    const a = await newApp({ dataDir: a0.dataDir, knm: { KNM_KUBECONFIG: kcFile } });
    const ctxs = await a.call('GET', '/api/v1/kubeconfig/contexts');
    expect(ctxs.json()).toEqual({
      items: [
        { name: 'lab', cluster: 'lab-cluster', server: api.url, user: 'lab-user' },
        { name: 'edge', cluster: 'edge-cluster', server: forbiddenApi.url, user: 'edge-user' },
      ],
      current: 'lab',
    });
    const bad = await a.call('POST', '/api/v1/clusters', {
      name: 'x',
      source: 'server-context',
      context: 'nope',
    });
    expect(bad.json().error).toMatchObject({
      code: 'UnknownContext',
      details: { contexts: ['lab', 'edge'] },
    });
    const res = await a.call('POST', '/api/v1/clusters', {
      name: 'lab',
      source: 'server-context',
      context: 'lab',
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ source: 'server-context', context: 'lab', server: api.url });
    const rows = await storedRows(a);
    expect(rows[0]!.credentials_enc).toBeNull();
    expect(JSON.stringify(rows)).not.toContain(TOKEN);
  });

  it('says plainly when the server has no kubeconfig', async () => {
    const a = await newApp();
    expect((await a.call('GET', '/api/v1/kubeconfig/contexts')).json()).toEqual({ items: [], current: null });
    const res = await a.call('POST', '/api/v1/clusters', {
      name: 'x',
      source: 'server-context',
      context: 'lab',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('NoServerKubeconfig');
  });

  it('in-cluster fails clearly outside a pod and works with a service account', async () => {
    const a = await newApp();
    const res = await a.call('POST', '/api/v1/clusters', { name: 'self', source: 'in-cluster' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'NotInCluster' });
    expect(res.json().error.message).toMatch(/KUBERNETES_SERVICE_HOST/);

    const cert = selfSignedCert();
    if (!cert) return; // openssl missing: the refusal above is still covered
    const podApi = await startFakeApi({ token: TOKEN, tls: cert, nodeCount: 2 });
    try {
      const prefix = path.join(a.dataDir, 'pod');
      const sa = path.join(prefix, 'var/run/secrets/kubernetes.io/serviceaccount');
      fs.mkdirSync(sa, { recursive: true });
      fs.writeFileSync(path.join(sa, 'token'), TOKEN);
      fs.writeFileSync(path.join(sa, 'ca.crt'), cert.cert);
      const b = await newApp({
        env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: new URL(podApi.url).port },
        inClusterPathPrefix: prefix,
      });
      const res = await b.call('POST', '/api/v1/clusters', { name: 'self', source: 'in-cluster' });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ source: 'in-cluster', server: podApi.url, context: 'in-cluster' });
      expect((await storedRows(b))[0]!.credentials_enc).toBeNull();
      expect(podApi.authHeaders.at(-1)).toBe(`Bearer ${TOKEN}`);
    } finally {
      await podApi.close();
    }
  });
});

describe('removing a cluster', () => {
  it('deletes the row, announces the removal and closes the client', async () => {
    const a = await newApp();
    await a.call('POST', '/api/v1/clusters', { name: 'prod', source: 'kubeconfig', kubeconfig: good() });
    const removed: string[] = [];
    a.app.services.clusters.on('removed', (name, origin, by) => removed.push(`${name}:${origin}:${by}`));
    const res = await a.call('DELETE', '/api/v1/clusters/prod');
    expect(res.statusCode).toBe(204);
    expect(removed).toEqual(['prod:api:test-admin']);
    expect(await storedRows(a)).toHaveLength(0);
    expect((await a.call('GET', '/api/v1/clusters/prod')).statusCode).toBe(404);
    const again = await a.call('DELETE', '/api/v1/clusters/prod');
    expect(again.statusCode).toBe(404);
    expect(again.json().error.code).toBe('NotFound');
    expect(() => a.app.services.clusters.client('prod')).toThrow(/not found/);
  });
});

describe('visibility and credentials', () => {
  it('cluster-restricted users see only their clusters', async () => {
    const a = await newApp();
    for (const name of ['a', 'b']) {
      await a.call('POST', '/api/v1/clusters', { name, source: 'kubeconfig', kubeconfig: good() });
    }
    const only = { 'x-test-role': 'viewer', 'x-test-clusters': 'b' };
    expect(
      (await a.call('GET', '/api/v1/clusters', undefined, only))
        .json()
        .items.map((c: { name: string }) => c.name),
    ).toEqual(['b']);
    // The route names its cluster in the path, so the policy layer refuses it before the handler runs.
    const other = await a.call('GET', '/api/v1/clusters/a', undefined, only);
    expect(other.statusCode).toBe(403);
    expect(other.json().error).toEqual({ code: 'Forbidden', message: 'no access to cluster "a"' });
  });

  it('never returns or logs a credential', async () => {
    const a = await newApp();
    const text = good();
    await a.call('POST', '/api/v1/clusters?dryRun=true', {
      name: 'p',
      source: 'kubeconfig',
      kubeconfig: text,
    });
    await a.call('POST', '/api/v1/clusters/test', { source: 'kubeconfig', kubeconfig: text });
    await a.call('POST', '/api/v1/clusters', { name: 'p', source: 'kubeconfig', kubeconfig: text });
    await a.call('POST', '/api/v1/clusters', { name: 'p', source: 'kubeconfig', kubeconfig: text });
    await a.call('POST', '/api/v1/clusters', {
      name: 'q',
      source: 'kubeconfig',
      kubeconfig: kubeconfigYaml([{ name: 'c', server: api.url, token: TOKEN + 'x' }], 'c'),
    });
    await a.call('POST', '/api/v1/kubeconfig/contexts', { kubeconfig: text });
    await a.call('GET', '/api/v1/clusters');
    await a.call('GET', '/api/v1/clusters/p');
    await a.call('DELETE', '/api/v1/clusters/p');
    expect(a.bodies.length).toBe(9);
    for (const body of a.bodies) expect(body).not.toContain(TOKEN);
    expect(a.logs.lines.length).toBeGreaterThan(5);
    expect(a.logs.text).not.toContain(TOKEN);
    expect(a.logs.text).not.toContain(Buffer.from(TOKEN).toString('base64'));
  });

  it('keeps a cluster whose credentials cannot be decrypted, marked unreachable with the reason', async () => {
    const a = await newApp();
    await a.call('POST', '/api/v1/clusters', { name: 'prod', source: 'kubeconfig', kubeconfig: good() });
    const row = (await storedRows(a))[0]!;
    const parts = row.credentials_enc!.split('.');
    const ct = Buffer.from(parts[3]!, 'base64url');
    ct[0] = ct[0]! ^ 1;
    parts[3] = ct.toString('base64url');
    await a.app.services.store.db
      .updateTable('clusters')
      .set({ credentials_enc: parts.join('.') })
      .execute();
    await a.close();
    apps.pop();
    const b = await newApp({ dataDir: a.dataDir });
    const info = (await b.call('GET', '/api/v1/clusters/prod')).json();
    expect(info.state).toBe('unreachable');
    expect(info.lastError).toMatch(/integrity check/);
    expect(() => b.app.services.clusters.client('prod')).toThrow(/cannot be used/);
  });
});

// A server URL with `user:password@` is refused everywhere a cluster can be added, and the password never
// comes back: not in an answer, a log line, the clusters table or the audit log.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../server/harness.js';
import { kubeconfigYaml, startFakeApi, type FakeApi } from './fake-apiserver.js';

const TOKEN = 'tok-userinfo-0123456789';
const PASSWORD = 'Pa55-w0rd-in-the-url';

let api: FakeApi;
const apps: TestApp[] = [];
beforeAll(async () => {
  api = await startFakeApi({ token: TOKEN, nodeCount: 2 });
});
afterAll(async () => {
  await api.close();
});
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

const withUserinfo = (url: string) => url.replace('://', `://admin:${PASSWORD}@`);

async function everythingSaid(a: TestApp): Promise<string> {
  const audit = await a.app.services.store.db.selectFrom('audit_log').selectAll().execute();
  const clusters = await a.app.services.store.db.selectFrom('clusters').selectAll().execute();
  return [a.bodies.join('\n'), a.logs.text, JSON.stringify(audit), JSON.stringify(clusters)].join('\n');
}

describe('server URLs with userinfo', () => {
  it('adding, testing or dry-running such a kubeconfig answers 400 naming the cluster entry, not the password', async () => {
    const a = await makeTestApp();
    apps.push(a);
    const plain = kubeconfigYaml([{ name: 'prod', server: withUserinfo(api.url), token: TOKEN }], 'prod');
    // Plain http without insecure-skip-tls-verify too: its own error message used to quote the whole URL.
    const unverified = plain.replace(/^ *insecure-skip-tls-verify: true\n/m, '');
    expect(unverified).not.toBe(plain);
    for (const kubeconfig of [plain, unverified]) {
      for (const [url, body] of [
        ['/api/v1/clusters', { name: 'prod', source: 'kubeconfig', kubeconfig }],
        ['/api/v1/clusters?dryRun=true', { name: 'prod', source: 'kubeconfig', kubeconfig }],
        ['/api/v1/clusters/test', { source: 'kubeconfig', kubeconfig }],
      ] as const) {
        const res = await a.call('POST', url, body);
        expect(res.statusCode, url).toBe(400);
        expect(res.json().error, url).toMatchObject({ code: 'InvalidKubeconfig', field: 'kubeconfig' });
        expect(res.json().error.message).toMatch(/cluster "prod-cluster" has a user name or password/);
      }
    }
    expect(api.authHeaders.length).toBe(0);
    expect(await a.app.services.store.db.selectFrom('clusters').selectAll().execute()).toEqual([]);
    expect((await a.call('GET', '/api/v1/clusters')).json().items).toEqual([]);
    expect(await everythingSaid(a)).not.toContain(PASSWORD);
  });

  it("a kubeconfig's contexts are listed without the password", async () => {
    const a = await makeTestApp();
    apps.push(a);
    const kubeconfig = kubeconfigYaml(
      [{ name: 'prod', server: withUserinfo(api.url), token: TOKEN }],
      'prod',
    );
    const res = await a.call('POST', '/api/v1/kubeconfig/contexts', { kubeconfig });
    expect(res.statusCode).toBe(200);
    expect(res.json().items[0].server).toBe(api.url);
    expect(await everythingSaid(a)).not.toContain(PASSWORD);
  });

  it('a row saved before the rule is shown without its password', async () => {
    const a = await makeTestApp();
    apps.push(a);
    const kubeconfig = kubeconfigYaml([{ name: 'prod', server: api.url, token: TOKEN }], 'prod');
    expect(
      (await a.call('POST', '/api/v1/clusters', { name: 'old', source: 'kubeconfig', kubeconfig }))
        .statusCode,
    ).toBe(201);
    await a.app.services.store.db
      .updateTable('clusters')
      .set({ server: withUserinfo(api.url) })
      .execute();
    const b = await makeTestApp({ dataDir: a.dataDir });
    apps.push(b);
    const info = (await b.call('GET', '/api/v1/clusters/old')).json();
    expect(info.server).toBe(api.url);
    expect([b.bodies.join('\n'), b.logs.text].join('\n')).not.toContain(PASSWORD);
  });
});

/* eslint-disable @typescript-eslint/no-explicit-any -- tests read kubeconfig YAML */
// The built-in demo cluster as a client outside the product sees it: HTTPS on loopback with the CA in the
// kubeconfig written to the data directory, and a bearer token that is random per start and never logged.
import fs from 'node:fs';
import path from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_KUBECONFIG_FILE, type SimServer } from '../../src/clusters/demo.js';
import { startSim } from '../../src/sim/index.js';
import { makeTestApp, type TestApp } from '../server/harness.js';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

const DEMO = { KNM_DEMO: 'true', KNM_DEMO_NODES: '3', KNM_DEMO_PODS_PER_NODE: '1', KNM_DEMO_CHURN: 'false' };

async function demoApp(dataDir?: string): Promise<{ a: TestApp; sim: SimServer }> {
  let sim: SimServer | undefined;
  const a = await makeTestApp({
    dataDir,
    listen: true,
    knm: DEMO,
    startSim: async (opts) => (sim = await startSim(opts)),
  });
  apps.push(a);
  return { a, sim: sim! };
}

describe('the demo cluster over TLS', () => {
  it('is served over HTTPS with a per-start token, and the product reaches it verifying the certificate', async () => {
    const { a, sim } = await demoApp();
    expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const file = path.join(a.dataDir, DEMO_KUBECONFIG_FILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const kc = yaml.load(fs.readFileSync(file, 'utf8')) as any;
    expect(kc.clusters[0].cluster.server).toBe(sim.url);
    expect(kc.clusters[0].cluster['insecure-skip-tls-verify']).toBeUndefined();
    expect(Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64').toString()).toBe(
      sim.caCertPem,
    );
    expect(kc.users[0].user.token).toBe(sim.token);

    // The product's own client talks to it through the verified connection.
    const nodes = (await a.call('GET', '/api/v1/clusters/demo/nodes')).json();
    expect(nodes.items).toHaveLength(3);
    // And so does an outside client holding only the written file.
    const k = new KubeConfig();
    k.loadFromFile(file);
    expect((await k.makeApiClient(CoreV1Api).listNode()).items).toHaveLength(3);

    // The token is a secret: not in the log, not in any API answer.
    expect(a.logs.text).not.toContain(sim.token);
    const cluster = (await a.call('GET', '/api/v1/clusters/demo')).body;
    expect(cluster).not.toContain(sim.token);
    expect(a.logs.text).toContain(DEMO_KUBECONFIG_FILE);

    // A restart on the same data directory issues a new token (and CA); the old one no longer works.
    const old = { token: sim.token, ca: sim.caCertPem };
    await a.close();
    apps.pop();
    const { sim: again } = await demoApp(a.dataDir);
    expect(again.token).not.toBe(old.token);
    expect(again.caCertPem).not.toBe(old.ca);
    const rewritten = yaml.load(fs.readFileSync(file, 'utf8')) as any;
    expect(rewritten.users[0].user.token).toBe(again.token);
    const stale = new KubeConfig();
    stale.loadFromString(
      yaml.dump({ ...rewritten, users: [{ name: rewritten.users[0].name, user: { token: old.token } }] }),
    );
    await expect(stale.makeApiClient(CoreV1Api).listNode()).rejects.toThrow(/401|Unauthorized/);
  });
});

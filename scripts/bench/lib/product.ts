// The product side of the benchmark, in one of two shapes:
// - "app" (default): the real application from src/app.ts — auth (an API token per request), store, metrics
//   and logging hooks, cluster registry — with the simulated cluster added through the registry;
// - "minimal": only the cache, the hub and the node/WebSocket routes (test/support/live-cache-server.ts), for
//   comparison.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../../../src/app.js';
import { toAuthUser } from '../../../src/auth/users.js';
import { CacheManager } from '../../../src/cache/manager.js';
import { loadConfig } from '../../../src/config/config.js';
import { HttpKubeClient, kubeConfigFromText } from '../../../src/kube/client.js';
import type { Logger } from '../../../src/log/logger.js';
import { RealtimeHub } from '../../../src/realtime/hub.js';
import type { UsagePoller } from '../../../src/usage/poller.js';
import type { UsageStore } from '../../../src/usage/store.js';
import { liveCacheServer } from '../../../test/support/live-cache-server.js';

export interface Product {
  mode: 'app' | 'minimal';
  url: string;
  /** Headers every HTTP and WebSocket request carries (credentials in "app" mode). */
  headers: Record<string, string>;
  cache: CacheManager;
  /** The usage poller and what it holds ("app" mode). */
  usage?: {
    store: UsageStore;
    poller: UsagePoller;
    /** Stop polling a cluster and drop its history (so other parts' memory can be measured alone). */
    pause(name: string): void;
    resume(name: string): void;
  };
  addCluster(name: string, kubeconfig: string, podIndex: boolean): Promise<void>;
  removeCluster(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function startProduct(mode: 'app' | 'minimal', log: Logger): Promise<Product> {
  return mode === 'app' ? startApp(log) : startMinimal(log);
}

async function startMinimal(log: Logger): Promise<Product> {
  const cache = new CacheManager({ log, podIndex: false });
  const hub = new RealtimeHub({ source: cache, log });
  const server = await liveCacheServer(cache, hub);
  const clients = new Map<string, HttpKubeClient>();
  return {
    mode: 'minimal',
    url: server.url,
    headers: {},
    cache,
    async addCluster(name, kubeconfig, podIndex) {
      const c = new HttpKubeClient(name, kubeConfigFromText(kubeconfig), 60_000);
      clients.set(name, c);
      cache.startCluster(name, c, { podIndex });
    },
    async removeCluster(name) {
      await cache.stopCluster(name);
      clients.get(name)?.close();
      clients.delete(name);
    },
    async close() {
      await server.close();
      hub.close();
      await cache.close();
      for (const c of clients.values()) c.close();
    },
  };
}

async function startApp(log: Logger): Promise<Product> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'knm-bench-'));
  const config = loadConfig({
    KNM_DATA_DIR: dataDir,
    KNM_DEMO: 'false',
    KNM_HOST: '127.0.0.1',
    KNM_PORT: '0',
    KNM_LOG_LEVEL: 'warn',
    KNM_API_TIMEOUT_MS: '60000',
    KNM_ADMIN_PASSWORD: 'bench-admin-password-1',
    // A throw-away key for the throw-away data directory (otherwise the app warns that it generated one).
    KNM_SECRET_KEY: randomBytes(32).toString('base64'),
    // A third of the default interval, so the page and list figures are taken while usage polls run.
    KNM_USAGE_INTERVAL_MS: process.env.KNM_USAGE_INTERVAL_MS ?? '10000',
    // Compression on, as shipped; KNM_COMPRESSION=false measures its cost.
    KNM_COMPRESSION: process.env.KNM_COMPRESSION ?? 'true',
    // Pod indexes in worker threads, as shipped (1); KNM_INGEST_WORKERS=0 measures them on the request thread.
    KNM_INGEST_WORKERS: process.env.KNM_INGEST_WORKERS ?? '1',
  });
  const app = await createApp(config, {
    log,
    webDir: null,
    startSim: null,
    env: { HOME: path.join(dataDir, 'home') },
  });
  const { url } = await app.start();
  const sec = app.services.security;
  const meta = { ip: '127.0.0.1', requestId: 'bench' };
  const admin = await sec.auth.users.getRowByUsername('admin');
  const { secret } = await sec.auth.createToken(toAuthUser(admin!, 'token'), { name: 'bench' }, meta);
  const cache = app.services.cache;
  return {
    mode: 'app',
    url: url.replace('localhost', '127.0.0.1'),
    headers: { authorization: `Bearer ${secret}` },
    cache,
    usage: {
      store: app.services.usage,
      poller: app.services.usagePoller,
      pause: (name) => app.services.usagePoller.stopCluster(name),
      resume: (name) => app.services.usagePoller.startCluster(name, app.services.clusters.client(name)),
    },
    async addCluster(name, kubeconfig, podIndex) {
      await app.services.clusters.add({ source: 'kubeconfig', name, kubeconfig, podIndex }, 'bench');
      const end = Date.now() + 30_000;
      while (!cache.has(name)) {
        if (Date.now() > end) throw new Error('the registry did not start the cluster in the cache');
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async removeCluster(name) {
      await app.services.clusters.remove(name, 'bench');
      const end = Date.now() + 30_000;
      while (cache.has(name)) {
        if (Date.now() > end) throw new Error('the cluster was not removed from the cache');
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      await app.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

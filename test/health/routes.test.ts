// The health history routes over HTTP: a node's timeline and the fleet view from a real store, and bad input
// answered with the stable error shape naming the field.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/api/server.js';
import { nodeHealthRoutes } from '../../src/api/routes/node-health.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/log/logger.js';
import { openStore, type Store } from '../../src/store/index.js';
import { createNodeHealth, type NodeHealthService } from '../../src/health/index.js';
import type { NodeRow } from '../../src/cache/types.js';
import type { FleetHealth, NodeTimeline } from '../../src/health/types.js';

const log = createLogger('silent');
const NOW = Date.parse('2026-03-10T00:00:00.000Z');
const HOUR = 3_600_000;
let dir: string;
let store: Store;
let health: NodeHealthService;
let app: FastifyInstance;

const row = (name: string, pool: string) =>
  ({ name, labels: { pool }, conditions: [] }) as unknown as NodeRow;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knm-health-routes-'));
  store = await openStore({ dataDir: dir, databaseUrl: '' });
  const noCache = {
    on: () => undefined,
    off: () => undefined,
    clusters: () => [],
    row: () => undefined,
    rows: () => undefined,
  };
  health = createNodeHealth({
    db: store.db,
    source: noCache,
    leader: { isLeader: false, onChange: () => undefined },
    log,
    retentionDays: 30,
    now: () => NOW,
  });
  const iv = (node: string, startH: number, endH: number | null) => ({
    cluster: 'c1',
    node,
    kind: 'NotReady',
    started_at: new Date(NOW - startH * HOUR).toISOString(),
    started_ms: NOW - startH * HOUR,
    ended_at: endH === null ? null : new Date(NOW - endH * HOUR).toISOString(),
    ended_ms: endH === null ? null : NOW - endH * HOUR,
    status: 'False',
    reason: 'KubeletNotReady',
    message: null,
    actor: null,
  });
  await health.history.upsert([iv('a', 10, 8), iv('a', 5, 4), iv('b', 2, null)]);
  app = await buildServer({ config: loadConfig({ KNM_DEMO: 'false' }), log });
  const rows: Record<string, NodeRow[]> = { c1: [row('a', 'x'), row('b', 'y')] };
  await app.register(nodeHealthRoutes, {
    health,
    cache: { rows: (c) => rows[c] },
    clusters: { list: () => [{ name: 'c1' }] },
  });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await store?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('health routes', () => {
  it("serves a node's timeline, oldest first, with durations", async () => {
    const r = await app.inject('/api/v1/clusters/c1/nodes/a/health?days=1');
    expect(r.statusCode).toBe(200);
    const t = r.json<NodeTimeline>();
    expect(t.items.map((i) => [i.start, i.durationMs])).toEqual([
      [new Date(NOW - 10 * HOUR).toISOString(), 2 * HOUR],
      [new Date(NOW - 5 * HOUR).toISOString(), HOUR],
    ]);
    expect(t.truncated).toBe(false);
  });

  it('serves the fleet per pool', async () => {
    const from = new Date(NOW - 24 * HOUR).toISOString();
    const r = await app.inject(`/api/v1/health/fleet?from=${from}&pool=pool&flapping=4`);
    expect(r.statusCode).toBe(200);
    const f = r.json<FleetHealth>();
    expect(f.groups.map((g) => [g.pool, g.nodes, g.outages, g.mttrMs, g.downMs])).toEqual([
      ['x', 1, 2, 1.5 * HOUR, 3 * HOUR],
      ['y', 1, 1, undefined, 2 * HOUR],
    ]);
    expect(f.unhealthy.map((u) => u.node)).toEqual(['b']);
    expect(f.flapping.map((x) => [x.node, x.transitions])).toEqual([['a', 4]]);
  });

  it.each([
    ['/api/v1/clusters/c1/nodes/a/health?days=0', 400, 'query.days'],
    ['/api/v1/clusters/c1/nodes/Bad_Name/health', 400, 'name'],
    ['/api/v1/clusters/nope/nodes/a/health', 404, undefined],
    ['/api/v1/health/fleet?pool=not%20a%20key', 400, 'query.pool'],
    ['/api/v1/health/fleet?flapping=0', 400, 'query.flapping'],
    ['/api/v1/health/fleet?from=yesterday', 400, 'query.from'],
    ['/api/v1/health/fleet?from=2026-03-09T00:00:00Z&to=2026-03-08T00:00:00Z', 400, 'query.from'],
    ['/api/v1/health/fleet?cluster=nope', 404, undefined],
  ])('%s → %i', async (url, status, field) => {
    const r = await app.inject(url);
    expect(r.statusCode).toBe(status);
    const e = r.json<{ error: { code: string; message: string; field?: string } }>().error;
    expect(e.message).toBeTruthy();
    expect(e.field).toBe(field);
  });
});

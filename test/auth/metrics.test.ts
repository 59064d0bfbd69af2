// /metrics names every cluster: private by default, readable by an admin or an unrestricted API token.
import { afterEach, describe, expect, it } from 'vitest';
import { healthRoutes } from '../../src/api/routes/health.js';
import { noClusterStatus } from '../../src/clusters/types.js';
import {
  ADMIN_PASSWORD,
  asSession,
  asToken,
  createUser,
  signIn,
  startTestApp,
  type HarnessModule,
  type Session,
  type TestApp,
} from './harness.js';

/** The health routes with no clusters registered. */
const health: HarnessModule = (a, s) =>
  a.register(healthRoutes, {
    ...s,
    clusters: { list: () => [], loadError: () => undefined },
    clusterStatus: noClusterStatus,
  });

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const scrape = (headers: Record<string, string> = {}) =>
  t!.app.inject({ method: 'GET', url: '/metrics', headers });

async function token(s: Session, payload: Record<string, unknown>): Promise<string> {
  const res = await t!.app.inject({
    method: 'POST',
    url: '/api/v1/tokens',
    headers: asSession(s),
    payload,
  });
  expect(res.statusCode).toBe(201);
  return res.json().secret as string;
}

describe('/metrics', () => {
  it('is private by default: admins and unrestricted tokens read it, nobody else does', async () => {
    t = await startTestApp({ modules: [health] });
    const anonymous = await scrape();
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.body).not.toContain('knm_');

    const admin = await signIn(t.app, 'admin', ADMIN_PASSWORD);
    const asAdmin = await scrape({ cookie: admin.cookie });
    expect(asAdmin.statusCode).toBe(200);
    expect(asAdmin.body).toContain('knm_auth_logins_total');

    await createUser(t, admin, 'vera', 'viewer');
    const vera = await signIn(t.app, 'vera', 'vera-Pass-word-123');
    const viewerSession = await scrape({ cookie: vera.cookie });
    expect(viewerSession.statusCode).toBe(403);
    expect(viewerSession.json().error.message).toMatch(/admin, or an API token/);

    // The scraper's credential: a viewer's token that sees every cluster.
    const scraper = await token(vera, { name: 'prometheus' });
    expect((await scrape(asToken(scraper))).statusCode).toBe(200);
    // A token narrowed to one cluster must not learn the names of the others.
    const narrow = await token(vera, { name: 'narrow', clusters: ['prod-eu'] });
    expect((await scrape(asToken(narrow))).statusCode).toBe(403);

    await createUser(t, admin, 'rita', 'viewer', { clusters: ['prod-eu'] });
    const rita = await signIn(t.app, 'rita', 'rita-Pass-word-123');
    expect((await scrape(asToken(await token(rita, { name: 'r' })))).statusCode).toBe(403);
  });

  it('is open to anyone with KNM_METRICS_PUBLIC=true', async () => {
    t = await startTestApp({ env: { KNM_METRICS_PUBLIC: 'true' }, modules: [health] });
    const res = await scrape();
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('knm_');
  });
});

// Three real server processes on one real PostgreSQL against one simulated cluster (its own process): a
// 300-node label job and a 20-node drain job start on replica A; A is killed with SIGKILL mid-way (it is
// also the leader). Another replica takes the leader lease within its bound, adopts both jobs once their
// owner's heartbeat is stale, and finishes them: every node ends as intended, the audit log has one finishing
// entry per job naming every node once (and one hand-over entry), and a WebSocket client on C saw progress
// throughout, relayed within a second of each store write. The fail-over timings are printed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpKubeClient, kubeConfigFromText } from '../../src/kube/client.js';
import { postgresUnavailable, startTestPostgres, type TestPostgres } from './postgres.js';
import { startProc, startReplica, type LogLine, type Proc } from './processes.js';

const skip = postgresUnavailable();
if (skip) console.log(`three-replica fail-over test skipped: ${skip}`);

// Short bounds so the test takes seconds, not a minute: defaults are 30 s and 15 s.
const OWNER_TIMEOUT_MS = 3000;
const LEASE_MS = 3000;
const HEARTBEAT_MS = OWNER_TIMEOUT_MS / 6;
const RENEW_MS = LEASE_MS / 3;
const PASSWORD = 'replica-test-' + randomBytes(6).toString('hex');

interface JobView {
  id: string;
  status: string;
  done: number;
  total: number;
  adoptedBy?: string;
  events?: { type: string; by: string; from: string; at: string }[];
  nodes: { name: string; status: string }[];
}

async function until<T>(
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  ms = 60_000,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(!!skip)('three replicas on one PostgreSQL', () => {
  let postgres: TestPostgres;
  let db: pg.Client;
  let dir: string;
  const procs: Proc[] = [];

  beforeAll(async () => {
    postgres = await startTestPostgres();
    db = new pg.Client({ connectionString: postgres.url });
    await db.connect();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knm-replicas-'));
  }, 120_000);

  afterAll(async () => {
    for (const p of procs) await p.kill('SIGKILL');
    await db?.end().catch(() => undefined);
    await postgres?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('jobs started on a replica killed mid-way are finished by another; a client on a third saw it all', async () => {
    // ---- the cluster: 300 nodes, three pods on each of the 20 to drain (2 s grace, as kubelets honour it)
    const kubeconfigFile = path.join(dir, 'sim.kubeconfig');
    const sim = startProc(
      'sim',
      [
        'src/sim/main.ts',
        '--nodes',
        '300',
        '--pods-per-node',
        '0',
        '--no-churn',
        '--kubeconfig',
        kubeconfigFile,
      ],
      {},
    );
    procs.push(sim);
    await sim.waitFor((l) => String(l.text ?? '').includes('kubeconfig written'), 'the simulator');
    const kubeconfig = fs.readFileSync(kubeconfigFile, 'utf8');
    const kube = new HttpKubeClient('sim', kubeConfigFromText(kubeconfig));
    const nodeList = await kube.request<{
      items: {
        metadata: { name: string; labels?: Record<string, string> };
        spec?: { unschedulable?: boolean };
      }[];
    }>({ path: '/api/v1/nodes' });
    // The generated cluster has a few nodes cordoned already; they stay so.
    const cordonedBefore = nodeList.items.filter((n) => n.spec?.unschedulable).map((n) => n.metadata.name);
    const names = nodeList.items.map((n) => n.metadata.name);
    expect(names).toHaveLength(300);
    const workers = nodeList.items
      .filter(
        (n) =>
          !Object.keys(n.metadata.labels ?? {}).some((k) => k.startsWith('node-role.kubernetes.io/control')),
      )
      .map((n) => n.metadata.name);
    const toDrain = workers.filter((n) => !cordonedBefore.includes(n)).slice(0, 20);
    await kube
      .request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: 'work' } } })
      .catch(() => undefined);
    for (const node of toDrain)
      for (let i = 0; i < 3; i++)
        await kube.request({
          method: 'POST',
          path: '/api/v1/namespaces/work/pods',
          body: {
            metadata: { name: `w-${node}-${i}`, namespace: 'work' },
            spec: {
              nodeName: node,
              terminationGracePeriodSeconds: 2,
              containers: [{ name: 'c', image: 'busybox' }],
            },
          },
        });

    // ---- three replicas sharing the store and the secret key
    const secretKey = randomBytes(32).toString('base64');
    const env = (name: string): NodeJS.ProcessEnv => ({
      KNM_DATABASE_URL: postgres.url,
      KNM_DATA_DIR: path.join(dir, name),
      KNM_SECRET_KEY: secretKey,
      KNM_ADMIN_PASSWORD: PASSWORD,
      KNM_LOG_LEVEL: 'info',
      KNM_JOB_OWNER_TIMEOUT_MS: String(OWNER_TIMEOUT_MS),
      KNM_LEADER_LEASE_MS: String(LEASE_MS),
      HOME: path.join(dir, name),
    });
    const a = await startReplica('A', env('a'));
    procs.push(a.proc);
    await a.proc.waitFor(
      (l) => l.msg === 'leader: lease acquired; this replica runs the background work',
      'A to lead',
    );

    const login = await fetch(`${a.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: PASSWORD }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const tokenAnswer = await fetch(`${a.url}/api/v1/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
      body: JSON.stringify({ name: 'replica-test', role: 'admin' }),
    });
    expect(tokenAnswer.status).toBe(201);
    const { secret } = (await tokenAnswer.json()) as { secret: string };
    const auth = { authorization: `Bearer ${secret}` };
    const api = async <T>(
      base: string,
      method: string,
      p: string,
      body?: unknown,
    ): Promise<{ status: number; body: T }> => {
      const r = await fetch(`${base}/api/v1${p}`, {
        method,
        headers: { ...auth, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: r.status, body: (await r.json()) as T };
    };
    const added = await api(a.url, 'POST', '/clusters', {
      name: 'sim',
      source: 'kubeconfig',
      kubeconfig,
      context: 'sim',
    });
    expect(added.status).toBe(201);

    const b = await startReplica('B', env('b'));
    procs.push(b.proc);
    const c = await startReplica('C', env('c'));
    procs.push(c.proc);
    for (const r of [a, b, c])
      await until(async () => {
        const res = await api<{ total: number; degraded: boolean }>(
          r.url,
          'GET',
          '/nodes?cluster=sim&limit=1',
        );
        return res.status === 200 && res.body.total === 300 && !res.body.degraded;
      }, `${r.proc.name} to sync the cluster`);

    // ---- a WebSocket client on C, subscribed to jobs
    const seen: { at: number; job: JobView }[] = [];
    const ws = new WebSocket(`${c.url.replace('http', 'ws')}/api/v1/ws`, { headers: auth });
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { type: string; job?: JobView };
      // Deltas carry the job's counts and status; the per-node changes are not needed here.
      if (m.type === 'job.delta' && m.job) seen.push({ at: Date.now(), job: m.job });
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'subscribe-jobs' }));

    // ---- the jobs, both on A
    const doneOf = async (id: string) =>
      Number(
        (
          await db.query(
            `select count(*) as n from job_nodes where job_id = $1 and status not in ('pending', 'running')`,
            [id],
          )
        ).rows[0].n,
      );
    const drain = await api<{ job: JobView }>(a.url, 'POST', '/jobs', {
      operation: 'drain',
      targets: [{ cluster: 'sim', nodes: toDrain }],
      params: { force: true, ignoreDaemonSets: true, deleteEmptyDirData: true },
      concurrency: 2,
    });
    expect(drain.status).toBe(202);
    const nodeStates = async (id: string) =>
      JSON.stringify(
        (
          await db.query(`select name, status, message from job_nodes where job_id = $1 order by seq`, [id])
        ).rows.slice(0, 4),
      );
    await until(async () => (await doneOf(drain.body.job.id)) >= 2, 'the drain to be under way').catch(
      async (e: Error) => {
        throw new Error(`${e.message}: ${await nodeStates(drain.body.job.id)}`);
      },
    );
    const labels = await api<{ job: JobView }>(a.url, 'POST', '/jobs', {
      operation: 'labels',
      targets: [{ cluster: 'sim', nodes: names }],
      params: { set: { pool: 'blue' } },
      concurrency: 2,
    });
    expect(labels.status).toBe(202);
    await until(async () => (await doneOf(labels.body.job.id)) >= 30, 'the label job to be under way');
    const ownerA = (await db.query(`select owner from jobs where id = $1`, [labels.body.job.id])).rows[0]
      .owner as string;

    // ---- A dies
    const killedAt = Date.now();
    await a.proc.kill('SIGKILL');
    const doneAtKill = { labels: await doneOf(labels.body.job.id), drain: await doneOf(drain.body.job.id) };
    // Mid-way means mid-way: neither job had finished.
    expect(doneAtKill.labels).toBeLessThan(300);
    expect(doneAtKill.drain).toBeLessThan(20);

    const leaderLine = (l: LogLine) =>
      l.msg === 'leader: lease acquired; this replica runs the background work' && l.seenAt > killedAt;
    const newLeader = await Promise.any(
      [b, c].map((r) => r.proc.waitFor(leaderLine, 'a new leader', 60_000).then((l) => ({ r, l }))),
    );
    const finished = async (id: string) => {
      const r = await db.query(`select status, finished_at from jobs where id = $1`, [id]);
      return ['succeeded', 'partial', 'failed', 'cancelled', 'interrupted'].includes(
        r.rows[0].status as string,
      )
        ? (r.rows[0] as { status: string; finished_at: string })
        : undefined;
    };
    const labelsEnd = await until(() => finished(labels.body.job.id), 'the label job to finish', 120_000);
    const drainEnd = await until(() => finished(drain.body.job.id), 'the drain job to finish', 120_000);
    expect(labelsEnd.status).toBe('succeeded');
    expect(drainEnd.status).toBe('succeeded');

    // ---- the hand-over, on record, exactly once per job
    const jobs: Record<string, JobView> = {};
    for (const id of [labels.body.job.id, drain.body.job.id]) {
      const answer = await api<{ job: JobView }>(newLeader.r.url, 'GET', `/jobs/${id}`);
      expect(answer.status).toBe(200);
      const got = { body: answer.body.job };
      jobs[id] = got.body;
      expect(got.body.adoptedBy).toBeDefined();
      expect(got.body.adoptedBy).not.toBe(ownerA);
      expect(got.body.events).toEqual([
        expect.objectContaining({ type: 'adopted', from: ownerA, by: got.body.adoptedBy }),
      ]);
      expect(got.body.nodes.every((n) => n.status === 'ok' || n.status === 'unchanged')).toBe(true);
    }
    const adoptLogs = [b, c].flatMap((r) =>
      r.proc.lines.filter((l) => l.msg === 'adopted a job whose replica stopped'),
    );
    expect(adoptLogs.map((l) => l.job).sort()).toEqual([labels.body.job.id, drain.body.job.id].sort());
    // Only one replica took the lease after the kill, and the other never ran background work.
    const leaderships = [b, c].map((r) => r.proc.lines.filter(leaderLine).length);
    expect(leaderships.sort()).toEqual([0, 1]);

    // ---- every node as intended
    const after = await kube.request<{
      items: {
        metadata: { name: string; labels?: Record<string, string> };
        spec?: { unschedulable?: boolean };
      }[];
    }>({ path: '/api/v1/nodes' });
    expect(after.items.filter((n) => n.metadata.labels?.pool !== 'blue').map((n) => n.metadata.name)).toEqual(
      [],
    );
    const cordoned = after.items.filter((n) => n.spec?.unschedulable).map((n) => n.metadata.name);
    expect(cordoned.sort()).toEqual([...new Set([...toDrain, ...cordonedBefore])].sort());
    const left = await kube.request<{ items: unknown[] }>({ path: '/api/v1/namespaces/work/pods' });
    expect(left.items).toEqual([]);

    // ---- the audit log: one finishing entry per job, every node in it once; one hand-over entry per job
    for (const [id, op, total] of [
      [labels.body.job.id, 'job.labels', 300],
      [drain.body.job.id, 'job.drain', 20],
    ] as const) {
      const rows = (
        await db.query(`select action, outcome, results from audit_log where params like $1 order by at`, [
          `%${id}%`,
        ])
      ).rows as { action: string; outcome: string; results: string | null }[];
      const finishing = rows.filter((r) => r.action === op);
      expect(finishing).toHaveLength(1);
      expect(finishing[0]!.outcome).toBe('success');
      const results = JSON.parse(finishing[0]!.results!) as { name: string; outcome: string }[];
      expect(results).toHaveLength(total);
      expect(new Set(results.map((r) => r.name)).size).toBe(total);
      expect(results.every((r) => r.outcome === 'ok' || r.outcome === 'unchanged')).toBe(true);
      expect(rows.filter((r) => r.action === 'job.adopt')).toHaveLength(1);
    }

    // ---- what C's client saw: progress from A (relayed) before the kill, from the adopter after, to the end
    // Both jobs' final states, each relayed on its own: the drain's can come after the labels job's.
    await until(
      () =>
        [labels.body.job.id, drain.body.job.id].every((id) =>
          seen.some((s) => s.job.id === id && s.job.status === 'succeeded'),
        ),
      'the final state of both jobs on C',
      10_000,
    );
    const adoptedAt = (id: string) => Date.parse(jobs[id]!.events![0]!.at);
    for (const id of [labels.body.job.id, drain.body.job.id]) {
      const mine = seen.filter((s) => s.job.id === id);
      // Deltas batch the nodes that finished together, so how many messages is not the point: that progress
      // arrived live from A before the kill, and from the adopter after it, is.
      const before = mine.filter((s) => s.at < killedAt);
      const after = mine.filter((s) => s.at > adoptedAt(id));
      expect(before.length).toBeGreaterThan(0);
      expect(after.length).toBeGreaterThan(0);
      expect(Math.max(...after.map((s) => s.job.done))).toBeGreaterThan(
        Math.max(...before.map((s) => s.job.done)),
      );
      const dones = mine.map((s) => s.job.done);
      expect(dones).toEqual([...dones].sort((x, y) => x - y));
      expect(mine.at(-1)!.job.status).toBe('succeeded');
    }
    // Relay lag: each message against the store write that made its `done` count (job_nodes.updated_at).
    const writes = (
      await db.query(`select updated_at from job_nodes where job_id = $1 order by updated_at`, [
        labels.body.job.id,
      ])
    ).rows.map((r: { updated_at: string }) => Date.parse(r.updated_at));
    // Only messages that brought news (a higher count); the adopter re-announcing a known count is not a lag.
    let shown = 0;
    const lags = seen
      .filter((s) => s.job.id === labels.body.job.id && s.job.status === 'running')
      .filter((s) => (s.job.done > shown ? ((shown = s.job.done), true) : false))
      .map((s) => s.at - writes[s.job.done - 1]!);
    lags.sort((x, y) => x - y);
    const pct = (p: number) => lags[Math.min(lags.length - 1, Math.floor((p / 100) * lags.length))]!;

    const t = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    console.log(
      [
        `fail-over timings (owner timeout ${OWNER_TIMEOUT_MS} ms, heartbeat ${HEARTBEAT_MS} ms, lease ${LEASE_MS} ms, renew ${RENEW_MS} ms):`,
        `  at the kill: labels ${doneAtKill.labels}/300 done, drain ${doneAtKill.drain}/20 done`,
        `  new leader (${newLeader.r.proc.name}) after ${t(newLeader.l.seenAt - killedAt)} (bound ${t(LEASE_MS + RENEW_MS)})`,
        `  label job adopted after ${t(adoptedAt(labels.body.job.id) - killedAt)}, finished after ${t(Date.parse(labelsEnd.finished_at) - killedAt)}`,
        `  drain job adopted after ${t(adoptedAt(drain.body.job.id) - killedAt)}, finished after ${t(Date.parse(drainEnd.finished_at) - killedAt)}`,
        `  adoption bound: owner timeout + sweep interval = ${t(OWNER_TIMEOUT_MS + HEARTBEAT_MS)} after the last heartbeat (leader alive), + takeover when the leader died too`,
        `  progress on C: ${seen.length} messages; relay lag p50 ${pct(50)} ms, p95 ${pct(95)} ms, max ${lags.at(-1)} ms`,
      ].join('\n'),
    );
    expect(newLeader.l.seenAt - killedAt).toBeLessThanOrEqual(LEASE_MS + RENEW_MS + 1000);
    // Within a second of the write, as a rule; the single worst message gets headroom because the lag also holds
    // the hub's coalescing window and this client's own scheduling, on a machine running six processes (measured
    // here: p95 218–278 ms, max 645–864 ms).
    expect(pct(95)).toBeLessThan(1000);
    expect(lags.at(-1)!).toBeLessThan(1500);
    ws.close();
  }, 300_000);
});

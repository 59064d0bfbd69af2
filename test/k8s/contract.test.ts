// One contract, two servers: every case below runs unchanged against the
// simulator and against a real kube-apiserver (etcd, kwok, the disruption
// controller). The cases pin what the product relies on — paging, watch
// resume, bookmarks, 410 after compaction, selectors, the three patch types,
// optimistic concurrency, eviction and PodDisruptionBudgets, graceful
// deletion, Status bodies, authentication — by shape and semantics: codes,
// reasons, details and the objects returned, never server-specific wording.
// A divergence is fixed in the simulator, not tolerated here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './harness.js';
import { api, apiRequest, openWatch, type ApiResponse, type KubeObject, type WatchEvent } from './http.js';
import { TARGETS, isPodRunningReady, podManifest as podManifestFor, type Target } from './targets.js';

type Labels = Record<string, string>;

/** The parts of a Status body clients act on. */
function statusShape(body: KubeObject | undefined): Record<string, unknown> {
  const d = (body?.details ?? {}) as { name?: string; group?: string; kind?: string; causes?: unknown[] };
  return {
    kind: body?.kind,
    apiVersion: body?.apiVersion,
    status: body?.status,
    reason: body?.reason,
    code: body?.code,
    details: { name: d.name, group: d.group, kind: d.kind },
  };
}

function failure(
  code: number,
  reason: string,
  details: { name?: string; group?: string; kind?: string } = {},
) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    reason,
    code,
    details: { name: details.name, group: details.group, kind: details.kind },
  };
}

/**
 * Distinct (reason, field) pairs of a Status' causes. Update validation on the real server may report the
 * same cause more than once; what a client can act on is the set.
 */
function causePairs(body: KubeObject | undefined): [string, string][] {
  const causes = ((body?.details as { causes?: { reason: string; field: string }[] }) ?? {}).causes ?? [];
  const seen = new Map<string, [string, string]>();
  for (const c of causes) seen.set(`${c.reason}|${c.field}`, [c.reason, c.field]);
  return [...seen.values()];
}

const names = (list: KubeObject | undefined): string[] => (list?.items ?? []).map((o) => o.metadata!.name!);
const rvOf = (o: KubeObject | undefined): string => String(o?.metadata?.resourceVersion);
const summary = (evs: WatchEvent[]) => evs.map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`);

interface Collected {
  status: number;
  events: WatchEvent[];
  /** When each event arrived, and when the stream ended (ms since the watch was opened). */
  arrivals: number[];
  endedAt: number;
  /** True when the server ended the stream (not our stop()). */
  ended: boolean;
}

/**
 * Opens a watch and collects events until `until` holds (then stops it) or
 * the server ends the stream; fails after `timeoutMs`.
 */
async function collect(
  t: Target,
  path: string,
  until: (evs: WatchEvent[]) => boolean = () => false,
  timeoutMs = 30_000,
): Promise<Collected> {
  const events: WatchEvent[] = [];
  const arrivals: number[] = [];
  const t0 = Date.now();
  let satisfied!: () => void;
  const enough = new Promise<'enough'>((r) => (satisfied = () => r('enough')));
  const w = openWatch(t, path, (e) => {
    events.push(e);
    arrivals.push(Date.now() - t0);
    if (until(events)) satisfied();
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
  const outcome = await Promise.race([enough, w.done.then(() => 'ended' as const), timeout]);
  clearTimeout(timer);
  w.stop();
  if (outcome === 'timeout')
    throw new Error(`watch ${path} timed out; got ${JSON.stringify(summary(events))}`);
  const endedAt = Date.now() - t0;
  return { status: await w.status, events, arrivals, endedAt, ended: outcome === 'ended' };
}

const pods = (ns: string) => `/api/v1/namespaces/${ns}/pods`;

async function patch(t: Target, path: string, type: 'merge' | 'strategic' | 'json', body: unknown) {
  const contentType = {
    merge: 'application/merge-patch+json',
    strategic: 'application/strategic-merge-patch+json',
    json: 'application/json-patch+json',
  }[type];
  return apiRequest(t, 'PATCH', path, { body, contentType });
}

function replicaSet(name: string, labels: Labels = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, labels },
    spec: {
      replicas: 0,
      selector: { matchLabels: { rs: name } },
      template: {
        metadata: { labels: { rs: name } },
        spec: { containers: [{ name: 'main', image: 'registry.invalid/app:1' }] },
      },
    },
  };
}

describe.each(TARGETS)('API contract: $name', (factory) => {
  const suite = factory.available ? describe : describe.skip;
  suite(`${factory.name}`, () => {
    let t: Target;

    beforeAll(async () => {
      t = await factory.start();
    }, 180_000);

    afterAll(async () => {
      await t?.close();
    }, 60_000);

    it('pages a list over one consistent snapshot, whatever changes between pages', async () => {
      const ns = await t.makeNamespace('paging');
      for (let i = 1; i <= 7; i++) await t.makePod(ns, `p-0${i}`);

      const p1 = await api(t, 'GET', `${pods(ns)}?limit=3`);
      expect(names(p1.body)).toEqual(['p-01', 'p-02', 'p-03']);
      const snapshotRv = rvOf(p1.body);
      expect(p1.body.metadata?.continue).toBeTruthy();
      expect(p1.body.metadata?.remainingItemCount).toBe(4);
      const p6Before = (await api(t, 'GET', `${pods(ns)}/p-06`)).body;

      // Between pages: a deletion, a creation inside the remaining range, an update.
      await api(t, 'DELETE', `${pods(ns)}/p-05`);
      await t.makePod(ns, 'p-04a');
      await patch(t, `${pods(ns)}/p-06`, 'merge', { metadata: { labels: { changed: 'yes' } } });

      const p2 = await api(
        t,
        'GET',
        `${pods(ns)}?limit=3&continue=${encodeURIComponent(String(p1.body.metadata?.continue))}`,
      );
      expect(names(p2.body)).toEqual(['p-04', 'p-05', 'p-06']);
      expect(rvOf(p2.body)).toBe(snapshotRv);
      expect(p2.body.metadata?.remainingItemCount).toBe(1);
      const p6 = p2.body.items!.find((o) => o.metadata?.name === 'p-06');
      expect(rvOf(p6)).toBe(rvOf(p6Before));
      expect(p6?.metadata?.labels?.changed).toBeUndefined();

      const p3 = await api(
        t,
        'GET',
        `${pods(ns)}?limit=3&continue=${encodeURIComponent(String(p2.body.metadata?.continue))}`,
      );
      expect(names(p3.body)).toEqual(['p-07']);
      expect(rvOf(p3.body)).toBe(snapshotRv);
      expect(p3.body.metadata?.continue ?? '').toBe('');
      expect(p3.body.metadata?.remainingItemCount).toBeUndefined();

      const now = await api(t, 'GET', pods(ns));
      expect(names(now.body)).toEqual(['p-01', 'p-02', 'p-03', 'p-04', 'p-04a', 'p-06', 'p-07']);
      expect(Number(rvOf(now.body))).toBeGreaterThan(Number(snapshotRv));
      // Every item of a list carries no kind of its own but the list does.
      expect(now.body).toMatchObject({ kind: 'PodList', apiVersion: 'v1' });
    });

    it('answers resourceVersion=0 lists from the cache with everything already written', async () => {
      const ns = await t.makeNamespace('rv0');
      for (const n of ['a', 'b', 'c']) await t.makePod(ns, n);
      const last = await t.makePod(ns, 'd');
      // The cache may trail the latest write by a moment; it must catch up.
      const list = await waitFor(
        async () => {
          const r = await api(t, 'GET', `${pods(ns)}?resourceVersion=0`);
          return names(r.body).length === 4 ? r : undefined;
        },
        { timeoutMs: 10_000, what: 'rv=0 list to show all four pods' },
      );
      expect(names(list.body)).toEqual(['a', 'b', 'c', 'd']);
      expect(Number(rvOf(list.body))).toBeGreaterThanOrEqual(Number(rvOf(last)));

      // With a limit, a resourceVersion=0 list is still one page or properly paged — never a truncated one.
      const limited = await api(t, 'GET', `${pods(ns)}?resourceVersion=0&limit=2`);
      const seen = names(limited.body);
      let cont = limited.body.metadata?.continue;
      while (cont) {
        const next = await api(t, 'GET', `${pods(ns)}?limit=2&continue=${encodeURIComponent(String(cont))}`);
        seen.push(...names(next.body));
        cont = next.body.metadata?.continue;
      }
      expect(seen).toEqual(['a', 'b', 'c', 'd']);
    });

    it('resumes a watch from a resourceVersion with exactly the later events, in order', async () => {
      const ns = await t.makeNamespace('resume');
      const a = await t.makePod(ns, 'a', { labels: { v: '1' } });
      const from = rvOf(a);
      const mod = (await patch(t, `${pods(ns)}/a`, 'merge', { metadata: { labels: { v: '2' } } })).body;
      const b = await t.makePod(ns, 'b');
      // A pod no node runs is deleted at once — still in two steps: stamped, then removed.
      const del = (await api(t, 'DELETE', `${pods(ns)}/b`)).body;
      expect(del.metadata).toMatchObject({ name: 'b', deletionGracePeriodSeconds: 0 });
      expect(del.metadata?.deletionTimestamp).toBeTruthy();

      const got = await collect(
        t,
        `${pods(ns)}?watch=true&resourceVersion=${from}`,
        (evs) => evs.length >= 4,
        20_000,
      );
      expect(got.status).toBe(200);
      expect(summary(got.events)).toEqual(['MODIFIED a', 'ADDED b', 'MODIFIED b', 'DELETED b']);
      const rvs = got.events.map((e) => Number(rvOf(e.object)));
      expect(rvs.slice(0, 2)).toEqual([Number(rvOf(mod)), Number(rvOf(b))]);
      expect(rvs[2]).toBeGreaterThan(rvs[1]!);
      // The DELETE answer carries the deletion's resourceVersion, the same as the DELETED event.
      expect(rvs[3]).toBeGreaterThan(rvs[2]!);
      expect(rvs[3]).toBe(Number(rvOf(del)));
      expect(got.events[0]!.object).toMatchObject({ kind: 'Pod', apiVersion: 'v1' });
      expect(got.events[0]!.object.metadata?.labels).toEqual({ v: '2' });
      expect(got.events[2]!.object.metadata?.deletionGracePeriodSeconds).toBe(0);

      // From the latest version: nothing old, then what happens next.
      const latest = rvOf(got.events[3]!.object);
      const live = collect(
        t,
        `${pods(ns)}?watch=true&resourceVersion=${latest}`,
        (evs) => evs.length >= 1,
        20_000,
      );
      await t.makePod(ns, 'c');
      expect(summary((await live).events)).toEqual(['ADDED c']);

      // Without a resourceVersion, a watch starts with the current objects as ADDED.
      const fresh = await collect(t, `${pods(ns)}?watch=true`, (evs) => evs.length >= 2, 20_000);
      expect(summary(fresh.events).sort()).toEqual(['ADDED a', 'ADDED c']);
    });

    it('sends a bookmark before a watch times out, and only when the kind has moved on', async () => {
      const ns = await t.makeNamespace('bookmark');
      const other = await t.makeNamespace('bookmark-other');
      const p = await t.makePod(ns, 'a');
      const watchPath = (extra: string, rv: string) =>
        `${pods(ns)}?watch=true&resourceVersion=${rv}&${extra}`;

      // A change of the same kind outside the watch's selection moves the kind's version on: the watch sees
      // no event, but its bookmark (2 s before the timeout) carries the newer version.
      const withBookmarks = collect(t, watchPath('allowWatchBookmarks=true&timeoutSeconds=5', rvOf(p)));
      const without = collect(t, watchPath('timeoutSeconds=5', rvOf(p)));
      const elsewhere = await t.makePod(other, 'elsewhere');
      const got = await withBookmarks;
      expect(got.ended).toBe(true);
      expect(got.endedAt).toBeGreaterThanOrEqual(4_000);
      expect(got.endedAt).toBeLessThan(15_000);
      // One or more bookmarks (the real server may send the pre-timeout one twice), nothing else, the first
      // well before the stream ends. The real server aims 2 s before the timeout but checks on a jittered
      // ticker of about a second, so the bookmark can land as late as ~0.75 s before the end.
      expect(got.events.length).toBeGreaterThanOrEqual(1);
      expect(got.events.every((e) => e.type === 'BOOKMARK')).toBe(true);
      expect(got.endedAt - got.arrivals[0]!).toBeGreaterThanOrEqual(500);
      const bookmark = got.events.at(-1)!.object;
      expect(bookmark).toMatchObject({ kind: 'Pod', apiVersion: 'v1' });
      expect(Number(rvOf(bookmark))).toBeGreaterThanOrEqual(Number(rvOf(elsewhere)));
      expect(bookmark.metadata?.name).toBeUndefined();
      // Without allowWatchBookmarks the same watch delivers nothing.
      expect((await without).events).toEqual([]);

      // Nothing of the kind changes after the watch's version: no bookmark at all, however long it runs.
      const quiet = await collect(t, watchPath('allowWatchBookmarks=true&timeoutSeconds=4', rvOf(bookmark)));
      expect(quiet.ended).toBe(true);
      expect(quiet.events).toEqual([]);
    });

    it('answers 410 Expired for compacted resourceVersions: Exact lists, watches and continue tokens', async () => {
      if (!t.supports410AfterCompact) return;
      const ns = await t.makeNamespace('gone');
      const { apiPrefix, resource } = t.uncachedResource;
      const coll = `${apiPrefix}/namespaces/${ns}/${resource}`;
      const first = (await api(t, 'POST', coll, { body: replicaSet('r1') })).body;
      for (const n of ['r2', 'r3', 'r4']) await api(t, 'POST', coll, { body: replicaSet(n) });
      for (let i = 1; i <= 2; i++)
        await patch(t, `${coll}/r1`, 'merge', { metadata: { labels: { n: String(i) } } });
      const page = await api(t, 'GET', `${coll}?limit=2`);
      expect(names(page.body)).toEqual(['r1', 'r2']);
      // Compaction at revision R keeps R readable; the page's snapshot must be older than that.
      await patch(t, `${coll}/r2`, 'merge', { metadata: { labels: { touched: 'yes' } } });

      // Before compaction an Exact list at an old version is served as of then.
      const before = await api(t, 'GET', `${coll}?resourceVersion=${rvOf(first)}&resourceVersionMatch=Exact`);
      expect(names(before.body)).toEqual(['r1']);

      await t.compact();

      const exact = await apiRequest(
        t,
        'GET',
        `${coll}?resourceVersion=${rvOf(first)}&resourceVersionMatch=Exact`,
      );
      expect(exact.status).toBe(410);
      expect(statusShape(exact.body)).toEqual(failure(410, 'Expired'));

      const w = await collect(t, `${coll}?watch=true&resourceVersion=${rvOf(first)}`, () => false, 20_000);
      expect(w.status).toBe(200);
      expect(w.ended).toBe(true);
      expect(w.events).toHaveLength(1);
      expect(w.events[0]!.type).toBe('ERROR');
      expect(statusShape(w.events[0]!.object)).toEqual(failure(410, 'Expired'));

      // A continue token from before the compaction: 410, with a token to carry on from the latest state.
      const cont = await apiRequest(
        t,
        'GET',
        `${coll}?limit=2&continue=${encodeURIComponent(String(page.body.metadata?.continue))}`,
      );
      expect(cont.status).toBe(410);
      expect(statusShape(cont.body)).toEqual(failure(410, 'Expired'));
      const fresh = (cont.body.metadata as { continue?: string } | undefined)?.continue;
      expect(fresh).toBeTruthy();
      const rest = await api(t, 'GET', `${coll}?limit=2&continue=${encodeURIComponent(String(fresh))}`);
      expect(names(rest.body)).toEqual(['r3', 'r4']);

      // A list without a resourceVersion, and a watch from its version, work as before.
      const now = await api(t, 'GET', coll);
      expect(names(now.body)).toEqual(['r1', 'r2', 'r3', 'r4']);
      const live = collect(
        t,
        `${coll}?watch=true&resourceVersion=${rvOf(now.body)}`,
        (evs) => evs.length >= 1,
        20_000,
      );
      await api(t, 'POST', coll, { body: replicaSet('r5') });
      expect(summary((await live).events)).toEqual(['ADDED r5']);
    });

    it('filters by labels and by the pod fields spec.nodeName, status.phase and metadata.name', async () => {
      const ns = await t.makeNamespace('select');
      const node = `${ns}-node`;
      await t.makeNode(node);
      await t.makePod(ns, 'web-1', { nodeName: node, labels: { app: 'web', tier: 'front' } });
      await t.makePod(ns, 'web-2', { nodeName: node, labels: { app: 'web', tier: 'back', canary: 'true' } });
      await t.makePod(ns, 'db-1', { labels: { app: 'db', tier: 'back' } });
      const q = async (query: string) => names((await api(t, 'GET', `${pods(ns)}?${query}`)).body);
      const fs = (s: string) => `fieldSelector=${encodeURIComponent(s)}`;
      const ls = (s: string) => `labelSelector=${encodeURIComponent(s)}`;

      expect(await q(fs(`spec.nodeName=${node}`))).toEqual(['web-1', 'web-2']);
      expect(await q(fs('spec.nodeName='))).toEqual(['db-1']);
      expect(await q(fs('status.phase=Running'))).toEqual(['web-1', 'web-2']);
      expect(await q(fs('status.phase!=Running'))).toEqual(['db-1']);
      expect(await q(fs('metadata.name=web-2'))).toEqual(['web-2']);
      expect(await q(`${fs(`spec.nodeName=${node},status.phase=Running`)}&${ls('tier=back')}`)).toEqual([
        'web-2',
      ]);
      expect(await q(ls('app in (web,db),tier!=front'))).toEqual(['db-1', 'web-2']);
      expect(await q(ls('!canary'))).toEqual(['db-1', 'web-1']);
      expect(await q(ls('canary'))).toEqual(['web-2']);
      expect(await q(ls('tier notin (back)'))).toEqual(['web-1']);
      // Across namespaces, the node's pods only.
      expect(names((await api(t, 'GET', `/api/v1/pods?${fs(`spec.nodeName=${node}`)}`)).body)).toEqual([
        'web-1',
        'web-2',
      ]);
      // Nodes by name.
      expect(names((await api(t, 'GET', `/api/v1/nodes?${fs(`metadata.name=${node}`)}`)).body)).toEqual([
        node,
      ]);

      const bad = await apiRequest(t, 'GET', `${pods(ns)}?${fs('spec.bogus=x')}`);
      expect(bad.status).toBe(400);
      expect(statusShape(bad.body)).toEqual(failure(400, 'BadRequest'));
      const badLabel = await apiRequest(t, 'GET', `${pods(ns)}?${ls('app in web')}`);
      expect(badLabel.status).toBe(400);
      expect(statusShape(badLabel.body)).toEqual(failure(400, 'BadRequest'));

      // A watch with a field selector sees only the selected pods, and a pod leaving the selection as DELETED.
      const sel = await api(t, 'GET', `${pods(ns)}?${fs('status.phase=Pending')}`);
      const watch = collect(
        t,
        `${pods(ns)}?watch=true&resourceVersion=${rvOf(sel.body)}&${fs('status.phase=Pending')}`,
        (evs) => evs.some((e) => e.type === 'DELETED'),
        20_000,
      );
      await t.makePod(ns, 'web-3', { nodeName: node });
      const evs = (await watch).events;
      expect(summary(evs)[0]).toBe('ADDED web-3');
      expect(summary(evs).at(-1)).toBe('DELETED web-3');
      expect(summary(evs.slice(1, -1)).every((s) => s === 'MODIFIED web-3')).toBe(true);
      // Leaving the selection is reported with the object as it last matched, at the new version.
      const left = evs.at(-1)!.object;
      expect(left.status?.phase).toBe('Pending');
      const now = (await api(t, 'GET', `${pods(ns)}/web-3`)).body;
      expect(now.status?.phase).toBe('Running');
      expect(Number(rvOf(left))).toBeGreaterThan(Number(rvOf(evs[0]!.object)));
      expect(Number(rvOf(left))).toBeLessThanOrEqual(Number(rvOf(now)));
    });

    describe('patches on nodes', () => {
      const base = {
        labels: { keep: 'k', drop: 'd' },
        taints: [
          { key: 'a', value: '1', effect: 'NoSchedule' as const },
          { key: 'b', effect: 'PreferNoSchedule' as const },
        ],
        customStatus: true,
      };

      it('merge patch: labels merge, null removes, taints are replaced as a whole', async () => {
        const name = `merge-${t.name}`;
        await t.makeNode(name, base);
        const r = await patch(t, `/api/v1/nodes/${name}`, 'merge', {
          metadata: { labels: { added: 'x', drop: null } },
          spec: { taints: [{ key: 'c', value: '3', effect: 'NoSchedule' }] },
        });
        expect(r.status).toBe(200);
        expect(r.body).toMatchObject({ kind: 'Node', apiVersion: 'v1' });
        expect(r.body.metadata?.labels).toMatchObject({ keep: 'k', added: 'x' });
        expect(r.body.metadata?.labels?.drop).toBeUndefined();
        expect(r.body.spec?.taints).toEqual([{ key: 'c', value: '3', effect: 'NoSchedule' }]);
      });

      it('strategic merge patch: labels merge, spec.taints replaced whole, unschedulable set', async () => {
        const name = `smp-${t.name}`;
        const created = await t.makeNode(name, base);
        const r = await patch(t, `/api/v1/nodes/${name}`, 'strategic', {
          metadata: { labels: { added: 'y' } },
          spec: { unschedulable: true, taints: [{ key: 'd', effect: 'NoSchedule' }] },
        });
        expect(r.status).toBe(200);
        expect(r.body.metadata?.labels).toMatchObject({ keep: 'k', drop: 'd', added: 'y' });
        expect(r.body.spec?.taints).toEqual([{ key: 'd', effect: 'NoSchedule' }]);
        expect(r.body.spec?.unschedulable).toBe(true);
        expect(Number(rvOf(r.body))).toBeGreaterThan(Number(rvOf(created)));

        // An empty list clears them; a patch that changes nothing keeps the resourceVersion.
        const cleared = await patch(t, `/api/v1/nodes/${name}`, 'strategic', { spec: { taints: [] } });
        expect(cleared.body.spec?.taints ?? []).toEqual([]);
        const noop = await patch(t, `/api/v1/nodes/${name}`, 'strategic', {
          metadata: { labels: { added: 'y' } },
        });
        expect(noop.status).toBe(200);
        expect(rvOf(noop.body)).toBe(rvOf(cleared.body));
      });

      it('JSON patch: a passing test op applies; a failing one is 422 Invalid and changes nothing', async () => {
        const name = `json-${t.name}`;
        const created = await t.makeNode(name, base);
        const ok = await patch(t, `/api/v1/nodes/${name}`, 'json', [
          { op: 'test', path: '/metadata/resourceVersion', value: rvOf(created) },
          { op: 'add', path: '/metadata/labels/zone', value: 'z1' },
          { op: 'remove', path: '/metadata/labels/drop' },
          { op: 'add', path: '/spec/taints/-', value: { key: 'e', effect: 'NoExecute' } },
          { op: 'add', path: '/spec/unschedulable', value: true },
        ]);
        expect(ok.status).toBe(200);
        expect(ok.body.metadata?.labels).toMatchObject({ keep: 'k', zone: 'z1' });
        expect(ok.body.metadata?.labels?.drop).toBeUndefined();
        expect((ok.body.spec?.taints as { key: string }[]).map((x) => x.key)).toEqual(['a', 'b', 'e']);

        const stale = await patch(t, `/api/v1/nodes/${name}`, 'json', [
          { op: 'test', path: '/metadata/resourceVersion', value: rvOf(created) },
          { op: 'add', path: '/metadata/labels/zone', value: 'z2' },
        ]);
        expect(stale.status).toBe(422);
        expect(statusShape(stale.body)).toEqual(failure(422, 'Invalid'));
        const missing = await patch(t, `/api/v1/nodes/${name}`, 'json', [
          { op: 'remove', path: '/metadata/labels/nope' },
        ]);
        expect(missing.status).toBe(422);
        expect(statusShape(missing.body)).toEqual(failure(422, 'Invalid'));
        const after = (await api(t, 'GET', `/api/v1/nodes/${name}`)).body;
        expect(rvOf(after)).toBe(rvOf(ok.body));

        const malformed = await patch(t, `/api/v1/nodes/${name}`, 'json', { op: 'add' });
        expect(malformed.status).toBe(400);
        expect(statusShape(malformed.body)).toEqual(failure(400, 'BadRequest'));
        const wrongType = await apiRequest(t, 'PATCH', `/api/v1/nodes/${name}`, {
          body: { metadata: {} },
          contentType: 'text/plain',
        });
        expect(wrongType.status).toBe(415);
        expect(statusShape(wrongType.body)).toEqual(failure(415, 'UnsupportedMediaType'));
      });

      it('rejects invalid label values and taint effects with 422 Invalid and field causes', async () => {
        const name = `invalid-${t.name}`;
        await t.makeNode(name, base);
        const label = await patch(t, `/api/v1/nodes/${name}`, 'merge', {
          metadata: { labels: { ok: 'not valid!' } },
        });
        expect(label.status).toBe(422);
        expect(statusShape(label.body)).toEqual(failure(422, 'Invalid', { name, kind: 'Node' }));
        expect(causePairs(label.body)).toEqual([['FieldValueInvalid', 'metadata.labels']]);

        const taint = await patch(t, `/api/v1/nodes/${name}`, 'merge', {
          spec: { taints: [{ key: 'x', effect: 'Sometimes' }] },
        });
        expect(taint.status).toBe(422);
        expect(statusShape(taint.body)).toEqual(failure(422, 'Invalid', { name, kind: 'Node' }));
        // The real validation reports node taints under metadata.taints.
        expect(causePairs(taint.body)).toEqual([['FieldValueNotSupported', 'metadata.taints[0].effect']]);
      });
    });

    it('refuses stale writes with 409 Conflict: PUT, patch with a resourceVersion, delete precondition', async () => {
      const name = `conflict-${t.name}`;
      const v1 = await t.makeNode(name, { customStatus: true });
      const v2 = (await patch(t, `/api/v1/nodes/${name}`, 'merge', { metadata: { labels: { step: '2' } } }))
        .body;

      const put = await apiRequest(t, 'PUT', `/api/v1/nodes/${name}`, {
        body: { ...v1, metadata: { ...v1.metadata, labels: { ...v1.metadata?.labels, step: 'stale' } } },
      });
      expect(put.status).toBe(409);
      expect(statusShape(put.body)).toEqual(failure(409, 'Conflict', { name, kind: 'nodes' }));

      const mp = await patch(t, `/api/v1/nodes/${name}`, 'merge', {
        metadata: { resourceVersion: rvOf(v1), labels: { step: 'stale' } },
      });
      expect(mp.status).toBe(409);
      expect(statusShape(mp.body)).toEqual(failure(409, 'Conflict', { name, kind: 'nodes' }));
      const smp = await patch(t, `/api/v1/nodes/${name}`, 'strategic', {
        metadata: { resourceVersion: rvOf(v1), labels: { step: 'stale' } },
      });
      expect(smp.status).toBe(409);

      const current = (await api(t, 'GET', `/api/v1/nodes/${name}`)).body;
      expect(current.metadata?.labels?.step).toBe('2');
      expect(rvOf(current)).toBe(rvOf(v2));

      // The fresh version succeeds, and a PUT without a resourceVersion is unconditional for nodes.
      const fresh = await apiRequest(t, 'PUT', `/api/v1/nodes/${name}`, {
        body: {
          ...current,
          metadata: { ...current.metadata, labels: { ...current.metadata?.labels, step: '3' } },
        },
      });
      expect(fresh.status).toBe(200);
      expect(Number(rvOf(fresh.body))).toBeGreaterThan(Number(rvOf(v2)));
      const { resourceVersion: _drop, ...metaNoRv } = fresh.body.metadata!;
      void _drop;
      const uncond = await apiRequest(t, 'PUT', `/api/v1/nodes/${name}`, {
        body: { ...fresh.body, metadata: { ...metaNoRv, labels: { ...metaNoRv.labels, step: '4' } } },
      });
      expect(uncond.status).toBe(200);
      expect(uncond.body.metadata?.labels?.step).toBe('4');

      const del = await apiRequest(t, 'DELETE', `/api/v1/nodes/${name}`, {
        body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { resourceVersion: rvOf(v1) } },
      });
      expect(del.status).toBe(409);
      // Delete preconditions are checked up front and name the object by its kind.
      expect(statusShape(del.body)).toEqual(failure(409, 'Conflict', { name, kind: 'Node' }));
      const gone = await api(t, 'DELETE', `/api/v1/nodes/${name}`, {
        body: {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          preconditions: { resourceVersion: rvOf(uncond.body) },
        },
      });
      expect(gone.body).toMatchObject({
        kind: 'Status',
        status: 'Success',
        details: { name, kind: 'nodes' },
      });
      expect((await apiRequest(t, 'GET', `/api/v1/nodes/${name}`)).status).toBe(404);
    });

    describe('eviction', () => {
      let ns: string;
      let node: string;

      beforeAll(async () => {
        ns = await t.makeNamespace('evict');
        node = `${ns}-node`;
        await t.makeNode(node);
      }, 120_000);

      const evict = (name: string, extra: Record<string, unknown> = {}): Promise<ApiResponse<KubeObject>> =>
        apiRequest(t, 'POST', `${pods(ns)}/${name}/eviction`, {
          body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns }, ...extra },
        });

      const pdb = (name: string, spec: Record<string, unknown>) =>
        api(t, 'POST', `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets`, {
          body: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name }, spec },
        });

      /** Waits until the disruption controller has computed the PDB for its current generation. */
      const pdbSettled = (name: string, healthy: number, expected = healthy) =>
        waitFor(
          async () => {
            const p = (await api(t, 'GET', `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/${name}`))
              .body;
            const s = p.status as
              { observedGeneration?: number; currentHealthy?: number; expectedPods?: number } | undefined;
            // Both counts: a terminating pod stops being healthy before it stops being expected.
            return s?.observedGeneration === p.metadata?.generation &&
              s?.currentHealthy === healthy &&
              s?.expectedPods === expected
              ? p
              : undefined;
          },
          { timeoutMs: 60_000, what: `PDB ${name} status with ${healthy} healthy pods` },
        );

      const goneSoon = (name: string) =>
        waitFor(async () => (await apiRequest(t, 'GET', `${pods(ns)}/${name}`)).status === 404, {
          timeoutMs: 30_000,
          what: `pod ${name} to be gone`,
        });

      it('evicts a pod no budget covers: 201 Success, then the pod is gone', async () => {
        await t.makePod(ns, 'free-1', { nodeName: node, labels: { app: 'free' } });
        const r = await evict('free-1');
        expect(r.status).toBe(201);
        expect(r.body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Success', code: 201 });
        await goneSoon('free-1');

        const missing = await evict('no-such-pod');
        expect(missing.status).toBe(404);
        expect(statusShape(missing.body)).toEqual(
          failure(404, 'NotFound', { name: 'no-such-pod', kind: 'pods' }),
        );
      });

      it('refuses an eviction whose UID precondition names another pod: 409 Conflict, the pod untouched', async () => {
        const p = await t.makePod(ns, 'same-name', { nodeName: node, labels: { app: 'free' } });
        const stale = await evict('same-name', { deleteOptions: { preconditions: { uid: 'not-this-pod' } } });
        expect(stale.status).toBe(409);
        // Delete preconditions name the object by its kind (rest.BeforeDelete).
        expect(statusShape(stale.body)).toEqual(failure(409, 'Conflict', { name: 'same-name', kind: 'Pod' }));
        expect(stale.body.message).toContain('the UID in the precondition (not-this-pod) does not match');
        const still = (await api(t, 'GET', `${pods(ns)}/same-name`)).body;
        expect(still.metadata?.deletionTimestamp).toBeUndefined();

        const right = await evict('same-name', {
          deleteOptions: { preconditions: { uid: p.metadata?.uid } },
        });
        expect(right.status).toBe(201);
        await goneSoon('same-name');
      });

      it('refuses with 429 and a DisruptionBudget cause while a budget allows no disruption', async () => {
        for (const n of ['web-1', 'web-2'])
          await t.makePod(ns, n, { nodeName: node, labels: { app: 'web' } });
        await pdb('web', { minAvailable: 2, selector: { matchLabels: { app: 'web' } } });
        const settled = await pdbSettled('web', 2);
        expect(settled.status).toMatchObject({
          disruptionsAllowed: 0,
          currentHealthy: 2,
          desiredHealthy: 2,
          expectedPods: 2,
        });

        const r = await evict('web-1');
        expect(r.status).toBe(429);
        expect(statusShape(r.body)).toEqual(failure(429, 'TooManyRequests'));
        const causes = (r.body.details as { causes?: { reason: string; message: string }[] }).causes ?? [];
        expect(causes.map((c) => c.reason)).toEqual(['DisruptionBudget']);
        expect(causes[0]!.message).toContain('web');
        const pod = (await api(t, 'GET', `${pods(ns)}/web-1`)).body;
        expect(pod.metadata?.deletionTimestamp).toBeUndefined();
      });

      it('lets exactly the allowed number of evictions through, then 429', async () => {
        for (const n of ['api-1', 'api-2', 'api-3'])
          await t.makePod(ns, n, { nodeName: node, labels: { app: 'api' } });
        await pdb('api', { minAvailable: 2, selector: { matchLabels: { app: 'api' } } });
        const settled = await pdbSettled('api', 3);
        expect(settled.status).toMatchObject({ disruptionsAllowed: 1, desiredHealthy: 2, expectedPods: 3 });

        expect((await evict('api-1')).status).toBe(201);
        const second = await evict('api-2');
        expect(second.status).toBe(429);
        expect(statusShape(second.body)).toEqual(failure(429, 'TooManyRequests'));
        await goneSoon('api-1');
        // Once the budget is recomputed without the evicted pod it still allows nothing.
        const after = await pdbSettled('api', 2);
        expect(after.status).toMatchObject({ disruptionsAllowed: 0, expectedPods: 2 });
        expect((await evict('api-3')).status).toBe(429);
      });

      it('counts no pods without a controller for maxUnavailable or a percentage: nothing may be disrupted', async () => {
        for (const n of ['solo-1', 'solo-2'])
          await t.makePod(ns, n, { nodeName: node, labels: { app: 'solo' } });
        await pdb('solo', { maxUnavailable: 1, selector: { matchLabels: { app: 'solo' } } });
        const settled = await pdbSettled('solo', 2, 0);
        expect(settled.status).toMatchObject({ disruptionsAllowed: 0, expectedPods: 0, desiredHealthy: 0 });
        expect((await evict('solo-1')).status).toBe(429);
      });

      it('evicts a pod that is not running regardless of its budget', async () => {
        await t.makePod(ns, 'web-pending', { labels: { app: 'web' } });
        const r = await evict('web-pending');
        expect(r.status).toBe(201);
        await goneSoon('web-pending');
      });
    });

    it('completes a graceful pod deletion: deletionTimestamp first, then DELETED', async () => {
      const ns = await t.makeNamespace('graceful');
      const node = `${ns}-node`;
      await t.makeNode(node);
      const p = await t.makePod(ns, 'g', { nodeName: node });
      const watch = collect(
        t,
        `${pods(ns)}?watch=true&resourceVersion=${rvOf(p)}`,
        (evs) => evs.some((e) => e.type === 'DELETED'),
        60_000,
      );
      const del = await api(t, 'DELETE', `${pods(ns)}/g`, {
        body: { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 30 },
      });
      expect(del.status).toBe(200);
      expect(del.body).toMatchObject({
        kind: 'Pod',
        metadata: { name: 'g', deletionGracePeriodSeconds: 30 },
      });
      expect(del.body.metadata?.deletionTimestamp).toBeTruthy();
      const evs = (await watch).events;
      expect(evs[0]!.type).toBe('MODIFIED');
      expect(evs[0]!.object.metadata).toMatchObject({ deletionGracePeriodSeconds: 30 });
      expect(evs.at(-1)!.type).toBe('DELETED');
      expect(evs.slice(0, -1).every((e) => e.type === 'MODIFIED')).toBe(true);
      // The node agent finishes with a zero-grace delete: stamped again, then removed.
      expect(evs.length).toBeGreaterThanOrEqual(3);
      expect(evs.at(-2)!.object.metadata).toMatchObject({ deletionGracePeriodSeconds: 0 });
      expect(evs.at(-1)!.object.metadata).toMatchObject({ deletionGracePeriodSeconds: 0 });
      expect((await apiRequest(t, 'GET', `${pods(ns)}/g`)).status).toBe(404);

      // A pod no node runs goes at once.
      await t.makePod(ns, 'unbound');
      const now = await api(t, 'DELETE', `${pods(ns)}/unbound`);
      expect(now.body).toMatchObject({
        kind: 'Pod',
        metadata: { name: 'unbound', deletionGracePeriodSeconds: 0 },
      });
      expect((await apiRequest(t, 'GET', `${pods(ns)}/unbound`)).status).toBe(404);
    });

    it('refuses new content, evictions included, in a terminating namespace with a NamespaceTerminating cause', async () => {
      const ns = await t.makeNamespace('terminating');
      const node = `${ns}-node`;
      await t.makeNode(node);
      // A long grace period keeps the namespace Terminating while its pod shuts down.
      await t.makePod(ns, 'slow', { nodeName: node, terminationGracePeriodSeconds: 3000 });
      const del = await api(t, 'DELETE', `/api/v1/namespaces/${ns}`);
      expect(del.body).toMatchObject({ kind: 'Namespace', status: { phase: 'Terminating' } });
      expect(del.body.metadata?.deletionTimestamp).toBeTruthy();

      const terminatingCause = [['NamespaceTerminating', 'metadata.namespace']];
      const evict = await apiRequest(t, 'POST', `${pods(ns)}/slow/eviction`, {
        body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'slow', namespace: ns } },
      });
      expect(evict.status).toBe(403);
      expect(statusShape(evict.body)).toEqual(failure(403, 'Forbidden', { name: 'slow', kind: 'pods' }));
      expect(causePairs(evict.body)).toEqual(terminatingCause);

      const create = await apiRequest(t, 'POST', pods(ns), { body: podManifestFor(ns, 'late') });
      expect(create.status).toBe(403);
      expect(statusShape(create.body)).toEqual(failure(403, 'Forbidden', { name: 'late', kind: 'pods' }));
      expect(causePairs(create.body)).toEqual(terminatingCause);
    });

    it('answers errors with Status bodies: NotFound, AlreadyExists, Invalid, unknown resource', async () => {
      const ns = await t.makeNamespace('errors');
      const nf = await apiRequest(t, 'GET', '/api/v1/nodes/no-such-node');
      expect(nf.status).toBe(404);
      expect(statusShape(nf.body)).toEqual(failure(404, 'NotFound', { name: 'no-such-node', kind: 'nodes' }));
      const nfPod = await apiRequest(t, 'GET', `${pods(ns)}/nope`);
      expect(statusShape(nfPod.body)).toEqual(failure(404, 'NotFound', { name: 'nope', kind: 'pods' }));
      const nfPdb = await apiRequest(t, 'GET', `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/nope`);
      expect(statusShape(nfPdb.body)).toEqual(
        failure(404, 'NotFound', { name: 'nope', group: 'policy', kind: 'poddisruptionbudgets' }),
      );
      const nfNs = await apiRequest(t, 'POST', '/api/v1/namespaces/no-such-ns/pods', {
        body: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'x' },
          spec: { containers: [{ name: 'c', image: 'i' }] },
        },
      });
      expect(nfNs.status).toBe(404);
      expect(statusShape(nfNs.body)).toEqual(
        failure(404, 'NotFound', { name: 'no-such-ns', kind: 'namespaces' }),
      );

      const name = `dup-${t.name}`;
      await t.makeNode(name, { customStatus: true });
      const dup = await apiRequest(t, 'POST', '/api/v1/nodes', {
        body: { apiVersion: 'v1', kind: 'Node', metadata: { name } },
      });
      expect(dup.status).toBe(409);
      expect(statusShape(dup.body)).toEqual(failure(409, 'AlreadyExists', { name, kind: 'nodes' }));

      const bad = await apiRequest(t, 'POST', '/api/v1/nodes', {
        body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'Not_Valid' } },
      });
      expect(bad.status).toBe(422);
      expect(statusShape(bad.body)).toEqual(failure(422, 'Invalid', { name: 'Not_Valid', kind: 'Node' }));
      const causes = (bad.body.details as { causes: { reason: string; field: string }[] }).causes;
      expect(causes.map((c) => [c.reason, c.field])).toContainEqual(['FieldValueInvalid', 'metadata.name']);

      const unknown = await apiRequest(t, 'GET', '/api/v1/widgets');
      expect(unknown.status).toBe(404);
      expect(statusShape(unknown.body)).toEqual(failure(404, 'NotFound'));
    });

    it('refuses a bad bearer token with 401 Unauthorized', async () => {
      for (const path of ['/api/v1/nodes', '/api/v1/namespaces/default/pods?watch=true']) {
        const r = await apiRequest({ server: t.server, token: 'not-a-valid-token' }, 'GET', path);
        expect(r.status).toBe(401);
        expect(statusShape(r.body)).toEqual(failure(401, 'Unauthorized'));
      }
    });

    it('serves running pods the way kubelets report them: phase, Ready, podIP, hostIP', async () => {
      const ns = await t.makeNamespace('running');
      const node = `${ns}-node`;
      await t.makeNode(node);
      const p = await t.makePod(ns, 'r', { nodeName: node });
      expect(isPodRunningReady(p)).toBe(true);
      expect(p.status?.podIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(p.status?.hostIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(p.status?.startTime).toBeTruthy();
    });
  });
});

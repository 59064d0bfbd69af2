/* eslint-disable @typescript-eslint/no-explicit-any -- tests read arbitrary Kubernetes JSON */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { startSim, type SimServer } from '../../src/sim/index.js';
import { api, node, rawWatch } from './helpers.js';

const MERGE = 'application/merge-patch+json';
const SMP = 'application/strategic-merge-patch+json';
const JSONPATCH = 'application/json-patch+json';

describe('simulator node writes', () => {
  let sim: SimServer;
  let core: CoreV1Api;

  beforeAll(async () => {
    sim = await startSim({ nodes: 0 });
    const kc = new KubeConfig();
    kc.loadFromString(sim.kubeconfig());
    core = kc.makeApiClient(CoreV1Api);
  });
  afterAll(() => sim.close());

  const fresh = (name: string, extra: Record<string, unknown> = {}): string => {
    sim.state.createNode(node(name, { team: 'a', keep: 'me' }, extra));
    return name;
  };

  it('merges labels with a merge patch through @kubernetes/client-node and removes keys set to null', async () => {
    const name = fresh('merge-1');
    const out = await core.patchNode(
      { name, body: { metadata: { labels: { team: 'b', keep: null, added: 'x' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(out.metadata!.labels).toEqual({ 'kubernetes.io/hostname': name, team: 'b', added: 'x' });
    expect(sim.state.getNode(name)!.metadata.labels).toEqual(out.metadata!.labels);
  });

  it('replaces spec.taints whole with a strategic merge patch while merging labels', async () => {
    const name = fresh('smp-1', {
      spec: {
        taints: [
          { key: 'a', value: '1', effect: 'NoSchedule' },
          { key: 'b', effect: 'NoExecute' },
        ],
      },
    });
    const r = await api(sim, 'PATCH', `/api/v1/nodes/${name}`, {
      contentType: SMP,
      body: {
        metadata: { labels: { extra: 'yes' } },
        spec: { taints: [{ key: 'c', effect: 'PreferNoSchedule' }] },
      },
    });
    expect(r.status).toBe(200);
    expect(r.body.kind).toBe('Node');
    expect(r.body.spec.taints).toEqual([{ key: 'c', effect: 'PreferNoSchedule' }]);
    expect(r.body.metadata.labels).toMatchObject({ team: 'a', keep: 'me', extra: 'yes' });
    const del = await api(sim, 'PATCH', `/api/v1/nodes/${name}`, {
      contentType: SMP,
      body: { metadata: { labels: { team: null } }, spec: { taints: null } },
    });
    expect(del.body.spec.taints).toBeUndefined();
    expect(del.body.metadata.labels.team).toBeUndefined();
  });

  it('merges status.conditions by type on the status subresource and ignores spec there', async () => {
    const name = fresh('status-1');
    const r = await api(sim, 'PATCH', `/api/v1/nodes/${name}/status`, {
      contentType: SMP,
      body: {
        spec: { unschedulable: true },
        status: { conditions: [{ type: 'DiskPressure', status: 'True', reason: 'KubeletHasDiskPressure' }] },
      },
    });
    expect(r.status).toBe(200);
    expect(r.body.status.conditions.map((c: any) => `${c.type}=${c.status}`)).toEqual([
      'Ready=True',
      'DiskPressure=True',
    ]);
    expect(r.body.spec.unschedulable).toBeUndefined();
    // And status is ignored on the main resource.
    const main = await api(sim, 'PATCH', `/api/v1/nodes/${name}`, {
      contentType: MERGE,
      body: { spec: { unschedulable: true }, status: { conditions: [] } },
    });
    expect(main.body.spec.unschedulable).toBe(true);
    expect(main.body.status.conditions).toHaveLength(2);
  });

  it('applies JSON patches and answers a failed test with 422 like the real server', async () => {
    const name = fresh('json-1');
    const cur = (await api(sim, 'GET', `/api/v1/nodes/${name}`)).body;
    const ok = await api(sim, 'PATCH', `/api/v1/nodes/${name}`, {
      contentType: JSONPATCH,
      body: [
        { op: 'test', path: '/metadata/resourceVersion', value: cur.metadata.resourceVersion },
        { op: 'add', path: '/spec/taints', value: [{ key: 'k', effect: 'NoSchedule' }] },
        { op: 'add', path: '/metadata/labels/example.com~1role', value: 'db' },
      ],
    });
    expect(ok.status).toBe(200);
    expect(ok.body.spec.taints).toEqual([{ key: 'k', effect: 'NoSchedule' }]);
    expect(ok.body.metadata.labels['example.com/role']).toBe('db');
    const stale = await api(sim, 'PATCH', `/api/v1/nodes/${name}`, {
      contentType: JSONPATCH,
      body: [
        { op: 'test', path: '/metadata/resourceVersion', value: cur.metadata.resourceVersion },
        { op: 'replace', path: '/spec/taints', value: [] },
      ],
    });
    expect(stale.status).toBe(422);
    expect(stale.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'the server rejected our request due to an error in our request',
      reason: 'Invalid',
      details: {},
      code: 422,
    });
    expect(sim.state.getNode(name)!.spec.taints).toEqual([{ key: 'k', effect: 'NoSchedule' }]);
    const missing = await api(sim, 'PATCH', `/api/v1/nodes/${name}`, {
      contentType: JSONPATCH,
      body: [{ op: 'remove', path: '/metadata/labels/nope' }],
    });
    expect(missing.status).toBe(422);
    const malformed = await api(sim, 'PATCH', `/api/v1/nodes/${name}`, {
      contentType: JSONPATCH,
      body: { op: 'add' },
    });
    expect(malformed.status).toBe(400);
  });

  it('refuses a stale resourceVersion with 409 on PUT and on patch', async () => {
    const name = fresh('conflict-1');
    const cur = (await api(sim, 'GET', `/api/v1/nodes/${name}`)).body;
    sim.state.updateNode(name, (n) => {
      n.metadata.labels!.concurrent = 'writer';
    });
    const expected = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `Operation cannot be fulfilled on nodes "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      reason: 'Conflict',
      details: { name, kind: 'nodes' },
      code: 409,
    };
    const put = await api(sim, 'PUT', `/api/v1/nodes/${name}`, {
      body: { ...cur, spec: { unschedulable: true } },
    });
    expect(put.status).toBe(409);
    expect(put.body).toEqual(expected);
    for (const ct of [MERGE, SMP]) {
      const p = await api(sim, 'PATCH', `/api/v1/nodes/${name}`, {
        contentType: ct,
        body: { metadata: { resourceVersion: cur.metadata.resourceVersion }, spec: { unschedulable: true } },
      });
      expect(p.status).toBe(409);
      expect(p.body).toEqual(expected);
    }
    expect(sim.state.getNode(name)!.spec.unschedulable).toBeUndefined();
    // With the current version the same PUT succeeds and bumps the version.
    const latest = (await api(sim, 'GET', `/api/v1/nodes/${name}`)).body;
    const ok = await api(sim, 'PUT', `/api/v1/nodes/${name}`, {
      body: { ...latest, spec: { unschedulable: true } },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.spec.unschedulable).toBe(true);
    expect(Number(ok.body.metadata.resourceVersion)).toBeGreaterThan(Number(latest.metadata.resourceVersion));
  });

  it('keeps the resourceVersion and emits no event for a patch that changes nothing', async () => {
    const name = fresh('noop-1');
    const before = (await api(sim, 'GET', `/api/v1/nodes/${name}`)).body;
    const w = rawWatch(sim, `/api/v1/nodes?watch=true&resourceVersion=${before.metadata.resourceVersion}`);
    try {
      const r = await api(sim, 'PATCH', `/api/v1/nodes/${name}`, {
        contentType: MERGE,
        body: { metadata: { labels: { team: 'a' } } },
      });
      expect(r.body.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
      await api(sim, 'PATCH', `/api/v1/nodes/${name}`, {
        contentType: MERGE,
        body: { metadata: { labels: { marker: '1' } } },
      });
      await w.waitFor((e) => e.length >= 1);
      expect(w.events).toHaveLength(1);
      expect(w.events[0]!.object.metadata.labels.marker).toBe('1');
    } finally {
      w.close();
    }
  });

  it('treats a re-sent unchanged node as a no-op, whatever the key order or timestamp precision', async () => {
    const name = fresh('noop-put', {
      spec: {
        taints: [
          {
            key: 'node.kubernetes.io/unschedulable',
            effect: 'NoSchedule',
            timeAdded: '2030-01-01T00:00:00Z',
          },
        ],
      },
    });
    const before = await core.readNode({ name });
    // @kubernetes/client-node re-serializes the object in its own field order and sends "...00.000Z" times.
    const after = await core.replaceNode({ name, body: before });
    expect(after.metadata!.resourceVersion).toBe(before.metadata!.resourceVersion);
    const reordered = (await api(sim, 'GET', `/api/v1/nodes/${name}`)).body;
    const { metadata, ...rest } = reordered;
    const put = await api(sim, 'PUT', `/api/v1/nodes/${name}`, { body: { ...rest, metadata } });
    expect(put.body.metadata.resourceVersion).toBe(reordered.metadata.resourceVersion);
    expect(put.body.spec.taints[0].timeAdded).toBe('2030-01-01T00:00:00Z');
  });

  it('answers 415 for an unsupported patch content type', async () => {
    const name = fresh('ct-1');
    const r = await api(sim, 'PATCH', `/api/v1/nodes/${name}`, {
      contentType: 'application/json',
      body: { metadata: {} },
    });
    expect(r.status).toBe(415);
    expect(r.body.reason).toBe('UnsupportedMediaType');
    expect(r.body.message).toContain('application/strategic-merge-patch+json');
  });

  it('validates labels and taints with 422 Invalid', async () => {
    const name = fresh('invalid-1');
    const badLabel = await api(sim, 'PATCH', `/api/v1/nodes/${name}`, {
      contentType: MERGE,
      body: { metadata: { labels: { 'bad key!': 'v' } } },
    });
    expect(badLabel.status).toBe(422);
    expect(badLabel.body.reason).toBe('Invalid');
    expect(badLabel.body.message).toMatch(
      /^Node "invalid-1" is invalid: metadata\.labels: Invalid value: "bad key!": name part must consist of/,
    );
    expect(badLabel.body.details).toMatchObject({ name, kind: 'Node' });
    const dupTaint = await api(sim, 'PATCH', `/api/v1/nodes/${name}`, {
      contentType: MERGE,
      body: {
        spec: {
          taints: [
            { key: 'a', effect: 'NoSchedule' },
            { key: 'a', value: 'x', effect: 'NoSchedule' },
          ],
        },
      },
    });
    expect(dupTaint.status).toBe(422);
    // The real server reports node taint errors under metadata.taints (ValidateNode's field path).
    expect(dupTaint.body.details.causes[0]).toMatchObject({
      reason: 'FieldValueDuplicate',
      field: 'metadata.taints[1]',
    });
    const badEffect = await api(sim, 'PATCH', `/api/v1/nodes/${name}`, {
      contentType: MERGE,
      body: { spec: { taints: [{ key: 'a', effect: 'Sometimes' }] } },
    });
    expect(badEffect.status).toBe(422);
    expect(badEffect.body.details.causes[0].message).toBe(
      'Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    );
  });

  it('creates nodes with POST (201) and refuses duplicates with 409 AlreadyExists', async () => {
    const r = await api(sim, 'POST', '/api/v1/nodes', {
      body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'posted-1' } },
    });
    expect(r.status).toBe(201);
    expect(r.body.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    const again = await api(sim, 'POST', '/api/v1/nodes', { body: { metadata: { name: 'posted-1' } } });
    expect(again.status).toBe(409);
    expect(again.body.reason).toBe('AlreadyExists');
    const del = await api(sim, 'DELETE', '/api/v1/nodes/posted-1');
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({
      kind: 'Status',
      status: 'Success',
      details: { name: 'posted-1', kind: 'nodes' },
    });
  });
});

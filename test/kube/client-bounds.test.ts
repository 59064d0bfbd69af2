// The client edge against a misbehaving API server: every answer is bounded, refused with a typed error,
// counted in metrics, and error texts from a non-Kubernetes server never carry its body.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpKubeClient, kubeConfigFromText, type WatchEvent } from '../../src/kube/client.js';
import { errorFromStatus, KubeError } from '../../src/kube/errors.js';
import { KUBE_LIMITS } from '../../src/kube/limits.js';
import { registry } from '../../src/metrics/registry.js';
import { GB, PAGE_SECRET, startHostileServer, type HostileServer } from '../bulkheads/hostile-server.js';

let srv: HostileServer;
let client: HttpKubeClient;
const MiB = 1024 * 1024;

beforeAll(async () => {
  srv = await startHostileServer();
  client = new HttpKubeClient('hostile-unit', kubeConfigFromText(srv.kubeconfig), 10_000);
});
afterAll(async () => {
  client.close();
  await srv.close();
});

async function failure(p: Promise<unknown>): Promise<KubeError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(KubeError);
  return e as KubeError;
}

const listNodes = (limit = 500) => client.request({ path: '/api/v1/nodes', query: { limit } });

async function rejected(reason: string): Promise<number> {
  const m = await registry.getSingleMetric('knm_kube_rejected_answers_total')!.get();
  return m.values
    .filter((v) => v.labels.cluster === 'hostile-unit' && v.labels.reason === reason)
    .reduce((n, v) => n + v.value, 0);
}

describe('direct calls are bounded', () => {
  it('a 1 GB streamed answer is cut off at the answer bound, and counted', async () => {
    srv.set('list', 'huge-body');
    const before = srv.bytesSent;
    const counted = await rejected('ResponseTooLarge');
    const e = await failure(listNodes());
    expect(e.reason).toBe('ResponseTooLarge');
    expect(e.message).toMatch(/ResponseTooLarge: GET \/api\/v1\/nodes: the answer passed 64 MiB/);
    // The server streamed what the client read plus what socket buffers hold — nowhere near 1 GB.
    expect(srv.bytesSent - before).toBeLessThan(KUBE_LIMITS.maxAnswerBytes + 32 * MiB);
    expect(srv.bytesSent - before).toBeLessThan(GB / 8);
    expect(await rejected('ResponseTooLarge')).toBe(counted + 1);
  });

  it('an answer announcing 1 GB in Content-Length is refused before its body is read', async () => {
    srv.set('version', 'huge-declared');
    const before = srv.bytesSent;
    const e = await failure(client.request({ path: '/version' }));
    expect(e.reason).toBe('ResponseTooLarge');
    expect(e.message).toContain(`announced ${GB} bytes`);
    expect(srv.bytesSent - before).toBeLessThan(KUBE_LIMITS.maxAnswerBytes / 2);
    srv.set('version', 'polite');
  });

  it('a page with more objects than its limit asked for is refused', async () => {
    srv.set('list', 'too-many-items');
    const e = await failure(listNodes(500));
    expect(e.reason).toBe('ResponseTooLarge');
    expect(e.message).toContain('the page holds 600 objects; at most 500 were asked for');
  });

  it('invalid JSON, a wrong content type and absurd nesting are MalformedResponse', async () => {
    srv.set('list', 'invalid-json');
    let e = await failure(listNodes());
    expect([e.reason, e.message]).toEqual(['MalformedResponse', expect.stringContaining('not valid JSON')]);
    srv.set('list', 'wrong-type');
    e = await failure(listNodes());
    expect([e.reason, e.message]).toEqual([
      'MalformedResponse',
      expect.stringContaining('HTTP 200 with content type text/plain, not JSON'),
    ]);
    srv.set('list', 'deep-json');
    e = await failure(listNodes());
    expect([e.reason, e.message]).toEqual([
      'MalformedResponse',
      expect.stringContaining(`nested deeper than ${KUBE_LIMITS.maxJsonDepth} levels`),
    ]);
    expect(await rejected('MalformedResponse')).toBeGreaterThanOrEqual(3);
  });

  it('an HTML error page is described by status code and type, never by its body', async () => {
    srv.set('list', 'html-error');
    const counted = await rejected('NonKubernetesAnswer');
    const e = await failure(listNodes());
    expect(await rejected('NonKubernetesAnswer')).toBe(counted + 1);
    expect(e.code).toBe(502);
    expect(e.message).toBe(
      'HTTP 502 Bad Gateway (a text/html answer, not a Kubernetes Status; body not shown)',
    );
    expect(e.message).not.toContain(PAGE_SECRET);
  });

  it('a genuine Status keeps its message, cut to a sane length', () => {
    const st = errorFromStatus(500, { kind: 'Status', message: 'y'.repeat(5000), reason: 'InternalError' });
    expect(st.reason).toBe('InternalError');
    expect(st.message.length).toBeLessThan(1100);
    expect(st.message).toMatch(/truncated\)$/);
  });

  it('a server dripping a byte at a time is cut off by the call deadline', async () => {
    srv.set('list', 'slow-drip');
    const e = await failure(client.request({ path: '/api/v1/nodes', query: { limit: 500 }, timeoutMs: 400 }));
    expect(e.reason).toBe('Timeout');
  });
});

describe('watch streams are bounded', () => {
  const watchOnce = (onEvent: (ev: WatchEvent) => void = () => undefined) =>
    client.watch('/api/v1/nodes', { resourceVersion: '10' }, onEvent).done;

  it('an endless line is refused at the line bound (MalformedWatch), reading about that much', async () => {
    srv.set('watch', 'endless-line');
    const before = srv.bytesSent;
    const counted = await rejected('MalformedWatch');
    const e = await watchOnce();
    expect(e?.reason).toBe('MalformedWatch');
    expect(e?.message).toContain('an event passed 16 MiB without a line end');
    expect(srv.bytesSent - before).toBeLessThan(KUBE_LIMITS.maxWatchLineBytes + 32 * MiB);
    expect(await rejected('MalformedWatch')).toBe(counted + 1);
  });

  it('a line that is not JSON ends the watch after the good events before it', async () => {
    srv.set('watch', 'invalid-json');
    const seen: string[] = [];
    const e = await watchOnce((ev) => seen.push(ev.type));
    expect(seen).toEqual(['ADDED']);
    expect(e?.reason).toBe('MalformedWatch');
    expect(e?.message).toContain('not valid JSON');
  });

  it('a watch answered as HTML is refused without quoting it', async () => {
    srv.set('watch', 'wrong-type');
    let e = await watchOnce();
    expect(e?.reason).toBe('MalformedWatch');
    expect(e?.message).toContain('content type text/plain');
    srv.set('watch', 'html-error');
    e = await watchOnce();
    expect(e?.code).toBe(502);
    expect(e?.message).not.toContain(PAGE_SECRET);
  });

  it('a smaller line bound applies per client (and a normal event under it passes)', async () => {
    const small = new HttpKubeClient('hostile-unit', kubeConfigFromText(srv.kubeconfig), 10_000, {
      maxWatchLineBytes: 256 * 1024,
    });
    try {
      srv.set('watch', 'endless-line');
      const before = srv.bytesSent;
      const e = await small.watch('/api/v1/nodes', {}, () => undefined).done;
      expect(e?.message).toContain('an event passed 262144 bytes without a line end');
      expect(srv.bytesSent - before).toBeLessThan(32 * MiB);
    } finally {
      small.close();
    }
  });
});

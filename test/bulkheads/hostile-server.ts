// A cluster API server that misbehaves on purpose, for the bulkhead tests: it speaks just enough Kubernetes
// to be registered (/version, LIST nodes) and then, per route, answers with one kind of abuse. Big bodies are
// streamed from one reused chunk with back-pressure, never materialised: a "1 GB" answer costs this process
// a few KB.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Hostility =
  | 'polite'
  /** A WATCH (or any answer) that sends one line that never ends. */
  | 'endless-line'
  /** 1 GB of a NodeList, chunked (no Content-Length). */
  | 'huge-body'
  /** The same, announced in Content-Length. */
  | 'huge-declared'
  /** A valid start, then one byte every 100 ms. */
  | 'slow-drip'
  | 'invalid-json'
  /** A valid NodeList served as text/plain. */
  | 'wrong-type'
  /** A 502 from a proxy: an HTML page that holds something secret. */
  | 'html-error'
  /** `[[[[…` 100,000 levels deep. */
  | 'deep-json'
  /** More objects in a LIST page than its `limit` asked for. */
  | 'too-many-items';

export type Route = 'version' | 'list' | 'watch' | 'other';

export const GB = 1024 * 1024 * 1024;
/** Text the HTML error page carries; it must never appear in an error, a log line or an answer. */
export const PAGE_SECRET = 'proxy-session-cookie=SECRET-7f3a';

export interface HostileServer {
  url: string;
  /** A kubeconfig for it (plain http, so insecure-skip-tls-verify). */
  kubeconfig: string;
  set(route: Route, mode: Hostility): void;
  /** Bytes written in answers so far. */
  readonly bytesSent: number;
  /** Requests seen, by route. */
  readonly requests: Record<Route, number>;
  /** Close every open connection (open watches end; the client reconnects). */
  dropConnections(): void;
  close(): Promise<void>;
}

const NODE = (i: number) => ({
  metadata: { name: `hostile-${i}`, uid: `u-${i}`, resourceVersion: '10', labels: {} },
  spec: {},
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
});

function routeOf(url: URL): Route {
  if (url.pathname === '/version') return 'version';
  if (url.pathname === '/api/v1/nodes') return url.searchParams.get('watch') === 'true' ? 'watch' : 'list';
  return 'other';
}

/** Writes `total` bytes made of `head`, then `fill` repeated, honouring back-pressure; stops when closed. */
function stream(
  res: http.ServerResponse,
  head: string,
  fill: Buffer,
  total: number,
  count: (n: number) => void,
) {
  let sent = 0;
  const pump = () => {
    if (sent === 0) {
      res.write(head);
      sent += head.length;
      count(head.length);
    }
    while (sent < total && !res.destroyed) {
      const chunk = total - sent >= fill.length ? fill : fill.subarray(0, total - sent);
      sent += chunk.length;
      count(chunk.length);
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    if (sent >= total && !res.destroyed) res.end();
  };
  pump();
}

export async function startHostileServer(
  initial: Partial<Record<Route, Hostility>> = {},
): Promise<HostileServer> {
  const modes: Record<Route, Hostility> = {
    version: 'polite',
    list: 'polite',
    watch: 'polite',
    other: 'polite',
    ...initial,
  };
  const requests: Record<Route, number> = { version: 0, list: 0, watch: 0, other: 0 };
  let bytesSent = 0;
  const count = (n: number) => (bytesSent += n);
  const timers = new Set<NodeJS.Timeout>();

  const handler: http.RequestListener = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const route = routeOf(url);
    requests[route]++;
    // Watches of other kinds (the pod index's) stay open and quiet: each test aims at one route.
    const mode = route === 'other' && url.searchParams.get('watch') === 'true' ? 'polite' : modes[route];
    const json = (body: unknown, type = 'application/json', code = 200) => {
      const text = JSON.stringify(body);
      count(text.length);
      res.writeHead(code, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };
    const listHead = '{"kind":"NodeList","apiVersion":"v1","metadata":{"resourceVersion":"10"},"items":[';
    switch (mode) {
      case 'polite':
        if (route === 'version') return json({ major: '1', minor: '31', gitVersion: 'v1.31.0-hostile' });
        if (route === 'list')
          return json({
            kind: 'NodeList',
            apiVersion: 'v1',
            metadata: { resourceVersion: '10' },
            items: [NODE(0), NODE(1)],
          });
        if (route === 'watch' || url.searchParams.get('watch') === 'true') {
          // An open, quiet watch: headers now, events never.
          res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
          res.flushHeaders();
          return;
        }
        return json({ kind: 'List', apiVersion: 'v1', metadata: {}, items: [] });
      case 'endless-line':
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return stream(
          res,
          '{"type":"ADDED","object":{"metadata":{"name":"',
          Buffer.alloc(64 * 1024, 'a'),
          Infinity,
          count,
        );
      case 'huge-body':
      case 'huge-declared': {
        const fill = Buffer.from('{"metadata":{"name":"x"}},'.repeat(2048));
        res.writeHead(200, {
          'Content-Type': 'application/json',
          ...(mode === 'huge-declared' ? { 'Content-Length': String(GB) } : {}),
        });
        return stream(res, listHead, fill, GB, count);
      }
      case 'slow-drip': {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write(listHead);
        const t = setInterval(() => {
          if (res.destroyed) {
            clearInterval(t);
            timers.delete(t);
            return;
          }
          res.write(' ');
          count(1);
        }, 100);
        timers.add(t);
        return;
      }
      case 'invalid-json': {
        const text =
          route === 'watch'
            ? '{"type":"ADDED","object":{"metadata":{"name":"a"}}}\n{"type":"ADDED",nope}\n'
            : listHead + '{"metadata":';
        res.writeHead(200, { 'Content-Type': 'application/json' });
        count(text.length);
        if (route === 'watch') res.write(text);
        else res.end(text);
        return;
      }
      case 'wrong-type':
        if (route === 'version') return json({ major: '1', minor: '31', gitVersion: 'v1.31.0' }, 'text/html');
        return json(
          { kind: 'NodeList', apiVersion: 'v1', metadata: { resourceVersion: '10' }, items: [NODE(0)] },
          'text/plain',
        );
      case 'html-error': {
        const page = `<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><!-- ${PAGE_SECRET} --></body></html>`;
        count(page.length);
        res.writeHead(502, {
          'Content-Type': 'text/html; charset=utf-8',
          'Content-Length': Buffer.byteLength(page),
        });
        return res.end(page);
      }
      case 'deep-json': {
        const depth = 100_000;
        const text = '['.repeat(depth) + ']'.repeat(depth);
        count(text.length);
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': text.length });
        return res.end(text);
      }
      case 'too-many-items': {
        const limit = Number(url.searchParams.get('limit') ?? 500);
        return json({
          kind: 'NodeList',
          apiVersion: 'v1',
          metadata: { resourceVersion: '10' },
          items: Array.from({ length: limit + 100 }, (_, i) => NODE(i)),
        });
      }
    }
  };
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kubeconfig = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'hostile', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'hostile', user: { token: 'hostile-token' } }],
    contexts: [{ name: 'hostile', context: { cluster: 'hostile', user: 'hostile' } }],
    'current-context': 'hostile',
  });
  return {
    url,
    kubeconfig,
    set: (route, mode) => (modes[route] = mode),
    get bytesSent() {
      return bytesSent;
    },
    requests,
    dropConnections: () => server.closeAllConnections(),
    close: () =>
      new Promise<void>((r) => {
        for (const t of timers) clearInterval(t);
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

// The benchmark's clients (10 WebSocket subscribers and the HTTP caller) in their own process: in production
// they are browsers elsewhere, so their JSON parsing must not run on the product's event loop. Times are
// absolute (performance.timeOrigin + performance.now(), sub-millisecond) so the parent can compare them with
// its own.
import WebSocket from 'ws';
import { timedGet } from './http.js';
import { runMix, type MixSession } from './query-mix.js';

export type ClientRequest =
  | {
      id: number;
      cmd: 'wsOpen';
      url: string;
      headers: Record<string, string>;
      clients: number;
      cluster: string;
      /** Subscribe to these clusters instead of `cluster` alone. */
      clusters?: string[];
    }
  | { id: number; cmd: 'wsStats' }
  | { id: number; cmd: 'wsResetCounts' }
  | {
      id: number;
      cmd: 'httpSeries';
      url: string;
      headers: Record<string, string>;
      n: number;
      keepFirst: boolean;
    }
  | {
      id: number;
      cmd: 'httpMix';
      origin: string;
      headers: Record<string, string>;
      sessions: MixSession[];
      clients: number;
      /** No session starts after this many ms (an overloaded replica would otherwise take hours). */
      maxMs?: number;
    }
  | { id: number; cmd: 'close' };

const now = () => performance.timeOrigin + performance.now();
const sockets: WebSocket[] = [];
const arrivals: Record<string, number[]> = {};
let types: Record<string, number> = {};
const closes: string[] = [];
let snapshots = 0;
/** Changes that reached a client inside a snapshot (a resync of a client that fell behind), not as an update. */
let viaSnapshot = 0;
const SEQ = 'bench.knm.io/seq';

async function wsOpen(m: Extract<ClientRequest, { cmd: 'wsOpen' }>): Promise<void> {
  for (let i = 0; i < m.clients; i++) {
    const ws = new WebSocket(m.url.replace('http', 'ws') + '/api/v1/ws', { headers: m.headers });
    // A later update of the same node (a Ready flap) carries the label too: only the first message that shows
    // a change counts as its arrival, once per client.
    const seen = new Set<string>();
    ws.on('message', (d) => {
      const at = now();
      type Row = { labels?: Record<string, string> };
      const msg = JSON.parse(d.toString()) as { type: string; node?: Row; items?: Row[] };
      types[msg.type] = (types[msg.type] ?? 0) + 1;
      const arrived = (seq: string | undefined) => {
        if (seq === undefined || seen.has(seq)) return false;
        seen.add(seq);
        (arrivals[seq] ??= []).push(at);
        return true;
      };
      if (msg.type === 'node.updated') arrived(msg.node?.labels?.[SEQ]);
      if (msg.type === 'snapshot') {
        snapshots++;
        // A client sent a fresh snapshot instead of the updates it fell behind on sees the change there.
        for (const row of msg.items ?? []) if (arrived(row.labels?.[SEQ])) viaSnapshot++;
      }
    });
    // A client the server closed (too slow, too many snapshots) is a result of the run, reported with its code.
    ws.on('close', (code, reason) => {
      closes.push(`${code} ${reason.toString()}`);
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(JSON.stringify({ type: 'subscribe', clusters: m.clusters ?? [m.cluster] }));
    sockets.push(ws);
  }
  const end = Date.now() + 120_000;
  while (snapshots < sockets.length) {
    if (Date.now() > end) throw new Error('snapshots not delivered');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function httpSeries(m: Extract<ClientRequest, { cmd: 'httpSeries' }>) {
  const ms: number[] = [];
  let bytes = 0;
  let first: unknown;
  for (let i = 0; i < m.n; i++) {
    const keep = m.keepFirst && i === 0;
    const r = await timedGet(m.url, m.headers, keep);
    if (r.status !== 200)
      throw new Error(`GET ${m.url} answered ${r.status}: ${r.body.toString().slice(0, 300)}`);
    ms.push(r.ms);
    bytes = r.bytes;
    if (keep) {
      const b = JSON.parse(r.body.toString()) as { items: unknown[]; total: number; source: string };
      first = { items: b.items.length, total: b.total, source: b.source };
    }
  }
  return { ms, bytes, first };
}

async function handle(m: ClientRequest): Promise<unknown> {
  switch (m.cmd) {
    case 'wsOpen':
      return wsOpen(m);
    case 'wsStats':
      return { arrivals, types, closes, viaSnapshot };
    case 'wsResetCounts':
      types = {};
      viaSnapshot = 0;
      return null;
    case 'httpSeries':
      return httpSeries(m);
    case 'httpMix':
      return runMix(m.origin, m.headers, m.sessions, m.clients, m.maxMs);
    case 'close':
      for (const ws of sockets) ws.close();
      setTimeout(() => process.exit(0), 100);
      return null;
  }
}

// Never outlive the benchmark that started us (it may have crashed).
process.on('disconnect', () => process.exit(0));

process.on('message', (m: ClientRequest) => {
  handle(m).then(
    (result) => process.send!({ id: m.id, result }),
    (e: unknown) => process.send!({ id: m.id, error: (e as Error).stack ?? String(e) }),
  );
});

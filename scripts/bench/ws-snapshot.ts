/**
 * Where a large snapshot's time goes on the server side, without a browser: a `ws` client subscribes to a
 * 5,000-node cluster and times subscribe → snapshot received, with permessage-deflate on (as the console) and
 * off, a few times each; then the same snapshot text is deflated in-process at zlib levels 1, 3 and 6 to show
 * what compression itself costs.
 *
 *   npx tsx scripts/bench/ws-snapshot.ts [--nodes 5000] [--runs 3]
 */
import { parseArgs } from 'node:util';
import { deflateRawSync } from 'node:zlib';
import WebSocket from 'ws';
import { ADMIN_PASSWORD, startServer } from '../../test/support/server-process.js';

const { values: args } = parseArgs({
  options: { nodes: { type: 'string', default: '5000' }, runs: { type: 'string', default: '3' } },
});
const NODES = Number(args.nodes);
const RUNS = Number(args.runs);

async function cookieFor(base: string): Promise<string> {
  const r = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  if (!r.ok) throw new Error(`login: ${r.status}`);
  return (r.headers.get('set-cookie') ?? '').split(';')[0]!;
}

/** ms from sending subscribe to the whole snapshot parsed, and its size. */
function snapshotOnce(base: string, cookie: string, deflate: boolean) {
  return new Promise<{ open: number; wait: number; parse: number; bytes: number; text: string }>(
    (resolve, reject) => {
      const t0 = performance.now();
      const ws = new WebSocket(`${base.replace('http', 'ws')}/api/v1/ws`, {
        headers: { cookie, origin: base },
        perMessageDeflate: deflate,
      });
      let sent = 0;
      let open = 0;
      ws.on('open', () => {
        open = performance.now() - t0;
        sent = performance.now();
        ws.send(JSON.stringify({ type: 'subscribe', clusters: ['*'] }));
      });
      ws.on('message', (data) => {
        const text = data.toString();
        if (!text.startsWith('{"type":"snapshot"')) return;
        const got = performance.now();
        JSON.parse(text);
        const parse = performance.now() - got;
        ws.close();
        resolve({ open, wait: got - sent, parse, bytes: text.length, text });
      });
      ws.on('error', reject);
    },
  );
}

const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const server = await startServer({
    nodes: NODES,
    logName: 'bench-ws-snapshot.log',
    env: { KNM_DEMO_CHURN: 'false' },
  });
  try {
    const cookie = await cookieFor(server.url);
    let text = '';
    for (const deflate of [true, false]) {
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await snapshotOnce(server.url, cookie, deflate));
      text = runs[0]!.text;
      process.stdout.write(
        `permessage-deflate ${deflate ? 'on ' : 'off'}: open ${Math.round(med(runs.map((r) => r.open)))} ms, ` +
          `subscribe → snapshot received ${Math.round(med(runs.map((r) => r.wait)))} ms ` +
          `(max ${Math.round(Math.max(...runs.map((r) => r.wait)))}), client JSON.parse ` +
          `${Math.round(med(runs.map((r) => r.parse)))} ms, ${(runs[0]!.bytes / 1048576).toFixed(1)} MB of JSON\n`,
      );
    }
    const buf = Buffer.from(text);
    for (const level of [1, 3, 6]) {
      const times: number[] = [];
      let out = 0;
      for (let i = 0; i < RUNS; i++) {
        const t = performance.now();
        out = deflateRawSync(buf, { level, memLevel: 8, windowBits: 14 }).length;
        times.push(performance.now() - t);
      }
      process.stdout.write(
        `deflate level ${level}: ${Math.round(med(times))} ms for ${(buf.length / 1048576).toFixed(1)} MB → ${(out / 1048576).toFixed(2)} MB\n`,
      );
    }
  } finally {
    await server.stop();
  }
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});

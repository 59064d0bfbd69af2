/**
 * Timed HTTP GETs with a keep-alive agent: time until the whole body has arrived. With `keep: false` the body
 * is only counted, not assembled: the client shares the product's process here, and copying 11 MB per full
 * list would be the benchmark's own cost, not the server's (a browser is not in our process).
 */
import http from 'node:http';

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

export function timedGet(
  url: string,
  headers: Record<string, string> = {},
  keep = true,
): Promise<{ ms: number; status: number; bytes: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get(url, { agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (keep) chunks.push(c);
      });
      res.on('end', () => {
        const ms = performance.now() - t0;
        resolve({ ms, status: res.statusCode ?? 0, bytes, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

export function closeAgent(): void {
  agent.destroy();
}

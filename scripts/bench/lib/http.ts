/** Timed HTTP GETs with a keep-alive agent: time until the whole body has arrived. */
import http from 'node:http';

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

export function timedGet(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ ms: number; status: number; bytes: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get(url, { agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ ms: performance.now() - t0, status: res.statusCode ?? 0, bytes: body.length, body });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

export function closeAgent(): void {
  agent.destroy();
}

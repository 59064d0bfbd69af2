// A test WebSocket client that records every message and waits for the ones it is told to expect.
import WebSocket from 'ws';

export type Msg = Record<string, unknown> & { type: string };

export class TestWs {
  readonly messages: Msg[] = [];
  private waiters: (() => void)[] = [];
  closed?: { code: number; reason: string };
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      this.messages.push(JSON.parse(d.toString()) as Msg);
      for (const w of this.waiters.splice(0)) w();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<TestWs> {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + '/api/v1/ws', { headers });
    const t = new TestWs(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    return t;
  }

  send(m: object): void {
    this.ws.send(JSON.stringify(m));
  }

  /** The first message at or after index `from` matching `pred` (waits up to `ms`). */
  async next(pred: (m: Msg) => boolean, from = 0, ms = 10_000): Promise<Msg> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.messages.slice(from).find(pred);
      if (hit) return hit;
      if (this.closed) throw new Error(`socket closed (${this.closed.code}) while waiting`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no matching message within ${ms} ms; got ${this.messages.map((x) => x.type).join(',')}`,
        );
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Round trip through the server: everything sent before this pong has arrived. */
  async barrier(): Promise<number> {
    const from = this.messages.length;
    this.send({ type: 'ping' });
    await this.next((m) => m.type === 'pong', from);
    return this.messages.length;
  }

  /** Resolves with the close code and reason once the server closes the socket (fails after `ms`). */
  async closedBy(ms = 10_000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + ms;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`still open after ${ms} ms`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.closed;
  }

  close(): void {
    this.ws.close();
  }
}

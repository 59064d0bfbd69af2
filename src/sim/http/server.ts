/**
 * The listening socket (HTTPS with the given certificate, or plain HTTP): start, stop, restart on the same
 * port, and an "unreachable" switch for tests.
 */
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';

export interface ListenerTls {
  certPem: string;
  keyPem: string;
}

export class Listener {
  private server: http.Server | undefined;
  private readonly sockets = new Set<Socket>();
  private unreachable = false;
  port = 0;

  constructor(
    private readonly handler: http.RequestListener,
    private readonly host: string,
    private readonly tls?: ListenerTls,
  ) {}

  async listen(port: number): Promise<number> {
    const common = { keepAlive: true, requestTimeout: 0 };
    // No ALPN is offered, so Go clients (which would prefer h2) settle on HTTP/1.1 like every other client.
    const server: http.Server = this.tls
      ? https.createServer({ ...common, cert: this.tls.certPem, key: this.tls.keyPem }, this.handler)
      : http.createServer(common, this.handler);
    // Watches are long-lived; the default per-socket timeouts would cut them.
    server.headersTimeout = 60_000;
    server.keepAliveTimeout = 65_000;
    server.on('connection', (s: Socket) => {
      if (this.unreachable) {
        s.destroy();
        return;
      }
      s.setNoDelay(true);
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const addr = server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : port;
    return this.port;
  }

  destroySockets(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  setUnreachable(on: boolean): void {
    this.unreachable = on;
    if (on) this.destroySockets();
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    this.destroySockets();
    server.closeAllConnections?.();
    await closed;
  }

  get openSockets(): number {
    return this.sockets.size;
  }
}

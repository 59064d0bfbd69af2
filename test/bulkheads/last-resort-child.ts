// A small server with the last-resort handler installed, as src/main.ts installs it: GET /throw throws from a
// callback nobody guards, GET /reject leaves a promise rejection unhandled, GET / answers "ok".
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../src/log/logger.js';
import { installLastResort } from '../../src/last-resort.js';

installLastResort({ log: createLogger('info'), maxFaults: Number(process.env.MAX_FAULTS ?? 10) });
const server = http.createServer((req, res) => {
  if (req.url === '/throw')
    setImmediate(() => {
      throw new Error('boom from a callback');
    });
  if (req.url === '/reject') void Promise.reject(new Error('nobody handles this'));
  res.end('ok');
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: (server.address() as AddressInfo).port }) + '\n');
});

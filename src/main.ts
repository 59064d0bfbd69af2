#!/usr/bin/env node
/**
 * Process entry: parse configuration, start, print where to open the console, and shut down gracefully on
 * SIGTERM/SIGINT (finish in-flight requests, stop informers and the simulator, close the store, exit 0).
 * Owns process concerns only (exit codes, signals, plain messages); no service logic lives here.
 */
import { ConfigError, helpText, loadConfig, type Config } from './config/config.js';
import { createApp, type App } from './app.js';
import { installLastResort } from './last-resort.js';

const SHUTDOWN_TIMEOUT_MS = 30_000;

function fail(message: string, code: number): never {
  process.stderr.write(`kube-node-manager: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(helpText());
    return;
  }
  let config: Config;
  try {
    config = loadConfig(process.env, argv);
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message, 2);
    throw e;
  }

  let app: App;
  try {
    app = await createApp(config);
  } catch (e) {
    // Key, store and migration problems are the operator's to fix; a stack trace would only hide the message.
    fail((e as Error).message, 1);
  }

  // From here on an error nobody caught is logged and the process keeps serving (bounded: see last-resort.ts).
  installLastResort({ log: app.services.log });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      app.services.log.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    app.services.log.info({ signal }, 'shutting down');
    setTimeout(() => {
      app.services.log.error({ timeoutMs: SHUTDOWN_TIMEOUT_MS }, 'shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    app.stop().then(
      () => process.exit(0),
      (e: Error) => {
        app.services.log.error({ err: e.message }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  try {
    const { url } = await app.start();
    process.stdout.write(`Kube Node Manager is running: open ${url}\n`);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    await app.stop().catch(() => undefined);
    if (err.code === 'EADDRINUSE') {
      fail(`${config.host}:${config.port} is already in use; choose another port with --port or KNM_PORT`, 1);
    }
    if (err.code === 'EADDRNOTAVAIL') fail(`cannot listen on ${config.host}: no such local address`, 1);
    fail(err.message, 1);
  }
}

main().catch((e: Error) => fail(e.stack ?? e.message, 1));

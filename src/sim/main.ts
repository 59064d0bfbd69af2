/**
 * Standalone simulator: `npm run sim -- --nodes 500 --port 6443 [--pods-per-node 30] [--seed 1]
 * [--kubeconfig ./sim.kubeconfig] [--name-prefix east-] [--no-churn] [--host 127.0.0.1]
 * [--ca-cert ca.crt --ca-key ca.key | --insecure-http]`.
 * Prints the URL (and where the kubeconfig went), never the token; runs until SIGINT/SIGTERM.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { startSim, type SimCa } from './index.js';
import { loadOrCreateCa, TlsSetupError } from './tls.js';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '200' },
    'pods-per-node': { type: 'string', default: '20' },
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    seed: { type: 'string', default: '1' },
    'name-prefix': { type: 'string', default: '' },
    kubeconfig: { type: 'string' },
    'no-churn': { type: 'boolean', default: false },
    'history-limit': { type: 'string', default: '10000' },
    'ca-cert': { type: 'string' },
    'ca-key': { type: 'string' },
    'insecure-http': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  process.stdout.write(
    'usage: npm run sim -- [--nodes N] [--pods-per-node N] [--port P] [--host H] [--seed S] [--name-prefix P]\n' +
      '                      [--kubeconfig FILE] [--no-churn] [--history-limit N]\n' +
      '                      [--ca-cert FILE --ca-key FILE | --insecure-http]\n' +
      '\n' +
      'Serves HTTPS with a certificate signed by a CA generated at start, or by the CA in --ca-cert/--ca-key\n' +
      '(both files are created on first use and reused afterwards). The kubeconfig carries the CA and a bearer\n' +
      'token that is random per start. --insecure-http serves plain HTTP instead (kubectl and client-go will not\n' +
      'send the token over it).\n',
  );
  process.exit(0);
}

const fail = (msg: string): never => {
  process.stderr.write(`${msg}\n`);
  process.exit(2);
};

const num = (v: string | undefined, name: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) {
    process.stderr.write(`invalid --${name}: ${v}\n`);
    process.exit(2);
  }
  return n;
};

if (values['insecure-http'] && (values['ca-cert'] || values['ca-key']))
  fail('--insecure-http cannot be combined with --ca-cert/--ca-key');
if (!values['ca-cert'] !== !values['ca-key']) fail('--ca-cert and --ca-key go together');

let ca: SimCa | undefined;
if (values['ca-cert'] && values['ca-key']) {
  try {
    const loaded = await loadOrCreateCa(values['ca-cert'], values['ca-key']);
    ca = loaded.ca;
    process.stdout.write(
      `CA ${loaded.created ? 'generated and written to' : 'loaded from'} ${values['ca-cert']} (key ${values['ca-key']})\n`,
    );
  } catch (e) {
    fail(
      e instanceof TlsSetupError
        ? `invalid CA: ${e.message}`
        : `cannot set up the CA: ${(e as Error).message}`,
    );
  }
}

const started = Date.now();
const sim = await startSim({
  nodes: num(values.nodes, 'nodes'),
  podsPerNode: num(values['pods-per-node'], 'pods-per-node'),
  port: num(values.port, 'port'),
  host: values.host,
  seed: num(values.seed, 'seed'),
  namePrefix: values['name-prefix'],
  historyLimit: num(values['history-limit'], 'history-limit'),
  churn: values['no-churn'] ? false : {},
  tls: values['insecure-http'] ? false : { ...(ca ? { ca } : {}) },
});

process.stdout.write(
  `simulated cluster: ${sim.url} (${sim.state.count('nodes')} nodes, ${sim.state.count('pods')} pods, ready in ${Date.now() - started} ms)\n`,
);
if (values.kubeconfig) {
  fs.writeFileSync(values.kubeconfig, sim.kubeconfig(), { mode: 0o600 });
  process.stdout.write(`kubeconfig written to ${values.kubeconfig} (context "sim")\n`);
}

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void sim.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
// The server's sockets are what keep the process alive; the simulator's own timers are unref'd.

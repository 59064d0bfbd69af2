/**
 * Server configuration: environment variables (KNM_*) overlaid by command-line flags, validated once at start.
 * Owns parsing and validation only; it must not open files, sockets or the store.
 */
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { SIGN_IN_FIELDS, signInProblems } from './sign-in.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const bool = z.string().transform((v, ctx) => {
  const s = v.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(s)) return true;
  if (['0', 'false', 'no', 'off'].includes(s)) return false;
  ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected true or false, got "${v}"` });
  return z.NEVER;
});

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `expected a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(min, `expected a whole number from ${min} to ${max}`)
        .max(max, `expected a whole number from ${min} to ${max}`),
    );

const nonEmpty = z.string().trim().min(1, 'must not be empty');

/** 0 switches the usage poller off; otherwise at least 5 s (metrics-server itself scrapes every 15 s). */
const usageInterval = int(0, 3_600_000).refine(
  (v) => v === 0 || v >= 5000,
  'expected 0 (off) or a whole number of milliseconds from 5000 to 3600000',
);

/** Empty (use the key file) or base64 of exactly 32 bytes; checked here so it is reported with the rest. */
const secretKey = z.string().refine((v) => {
  const t = v.trim();
  if (t === '') return true;
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) return false;
  return Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64').length === 32;
}, 'expected 32 random bytes in base64 (generate with: openssl rand -base64 32), or empty for a key file in the data directory');

const ratio = z
  .string()
  .regex(/^(0(\.\d+)?|1(\.0+)?)$/, 'expected a number between 0 and 1')
  .transform(Number);

const commaList = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** An address or CIDR block, as Fastify's trustProxy (proxy-addr) reads it. */
function isCidr(v: string): boolean {
  const [addr, bits, extra] = v.split('/');
  if (extra !== undefined || !addr) return false;
  const family = isIP(addr);
  if (!family) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

const cidrList = z
  .string()
  .transform(commaList)
  .superRefine((list, ctx) => {
    const bad = list.filter((c) => !isCidr(c));
    if (bad.length)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `expected comma-separated addresses or CIDR blocks (10.0.0.0/8, fd00::/8), got "${bad.join('", "')}"`,
      });
  });

/** Host names (no port, no scheme); `*.example.com` allows every name under example.com. */
const HOST_NAME = /^(\*\.)?[a-z0-9]([a-z0-9-]{0,62})(\.[a-z0-9]([a-z0-9-]{0,62}))*\.?$/;
const hostList = z
  .string()
  .transform((v) => commaList(v).map((h) => h.toLowerCase()))
  .superRefine((list, ctx) => {
    const bad = list.filter((h) => !HOST_NAME.test(h) && !isIP(h.replace(/^\[|\]$/g, '')));
    if (bad.length)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `expected comma-separated host names without scheme or port (knm.example.com, *.example.com), got "${bad.join('", "')}"`,
      });
  });

/** Each key: flag name (--port), env name (KNM_PORT), schema on the raw string, default. */
const FIELDS = {
  host: { env: 'KNM_HOST', schema: nonEmpty, def: '127.0.0.1' },
  port: { env: 'KNM_PORT', schema: int(0, 65535), def: '8080' },
  dataDir: { env: 'KNM_DATA_DIR', schema: nonEmpty, def: './data' },
  databaseUrl: {
    env: 'KNM_DATABASE_URL',
    schema: z
      .string()
      .refine(
        (v) => v === '' || /^postgres(ql)?:\/\//.test(v) || /^sqlite:/.test(v),
        'expected a postgres:// URL, sqlite:<path>, or empty for the SQLite file in the data directory',
      ),
    def: '',
  },
  logLevel: {
    env: 'KNM_LOG_LEVEL',
    schema: z.enum(LOG_LEVELS, { error: () => `expected one of: ${LOG_LEVELS.join(', ')}` }),
    def: 'info',
  },
  demo: { env: 'KNM_DEMO', schema: bool, def: 'true' },
  demoNodes: { env: 'KNM_DEMO_NODES', schema: int(1, 5000), def: '300' },
  demoPodsPerNode: { env: 'KNM_DEMO_PODS_PER_NODE', schema: int(0, 110), def: '20' },
  demoChurn: { env: 'KNM_DEMO_CHURN', schema: bool, def: 'true' },
  secretKey: { env: 'KNM_SECRET_KEY', schema: secretKey, def: '' },
  adminPassword: { env: 'KNM_ADMIN_PASSWORD', schema: z.string(), def: '' },
  metricsPublic: { env: 'KNM_METRICS_PUBLIC', schema: bool, def: 'false' },
  kubeconfig: { env: 'KNM_KUBECONFIG', schema: z.string(), def: '' },
  apiTimeoutMs: { env: 'KNM_API_TIMEOUT_MS', schema: int(100, 600_000), def: '15000' },
  guardMinSchedulable: { env: 'KNM_GUARD_MIN_SCHEDULABLE', schema: ratio, def: '0.7' },
  auditRetentionDays: { env: 'KNM_AUDIT_RETENTION_DAYS', schema: int(0, 36500), def: '365' },
  // Node health history: intervals that ended longer ago than this are purged (0 = keep forever).
  healthRetentionDays: { env: 'KNM_HEALTH_RETENTION_DAYS', schema: int(0, 36500), def: '90' },
  // Replicas (PostgreSQL): a job's owner silent this long is taken as dead and its job adopted (heartbeat every
  // sixth of it); the leader lease behind background work expires this long after its last renewal (every third).
  jobOwnerTimeoutMs: { env: 'KNM_JOB_OWNER_TIMEOUT_MS', schema: int(1000, 3_600_000), def: '30000' },
  leaderLeaseMs: { env: 'KNM_LEADER_LEASE_MS', schema: int(1000, 3_600_000), def: '15000' },
  sessionIdleMinutes: { env: 'KNM_SESSION_IDLE_MINUTES', schema: int(1, 100_000), def: '60' },
  sessionMaxHours: { env: 'KNM_SESSION_MAX_HOURS', schema: int(1, 10_000), def: '12' },
  secureCookies: { env: 'KNM_SECURE_COOKIES', schema: bool, def: 'false' },
  allowedOrigins: { env: 'KNM_ALLOWED_ORIGINS', schema: z.string(), def: '' },
  trustedProxies: { env: 'KNM_TRUSTED_PROXIES', schema: cidrList, def: '' },
  allowedHosts: { env: 'KNM_ALLOWED_HOSTS', schema: hostList, def: '' },
  // Brotli/gzip for HTTP answers over 1 KB and permessage-deflate on the WebSocket; off only to measure or debug.
  compression: { env: 'KNM_COMPRESSION', schema: bool, def: 'true' },
  podIndex: { env: 'KNM_POD_INDEX', schema: bool, def: 'true' },
  // Worker threads that decode the clusters' pod streams and keep their pod indexes (0 = on the request thread).
  ingestWorkers: { env: 'KNM_INGEST_WORKERS', schema: int(0, 64), def: '1' },
  // Node usage: one LIST of metrics.k8s.io NodeMetrics per cluster this often (0 = off), kept this long.
  usageIntervalMs: { env: 'KNM_USAGE_INTERVAL_MS', schema: usageInterval, def: '30000' },
  usageHistoryMinutes: { env: 'KNM_USAGE_HISTORY_MINUTES', schema: int(1, 1440), def: '60' },
  // Groups a local account is sent as on clusters that act as the signed-in user; {role} is its role here.
  impersonateLocalGroups: {
    env: 'KNM_IMPERSONATE_LOCAL_GROUPS',
    schema: z
      .string()
      .transform(commaList)
      .refine(
        (l) => l.every((g) => /^[\x21-\x7e]{1,256}$/.test(g)),
        'expected comma-separated group names (printable ASCII, no spaces), e.g. knm:{role}, or empty for none',
      ),
    def: 'knm:{role}',
  },
  ...SIGN_IN_FIELDS,
  // In-cluster mode: empty means what Kubernetes gives every pod (KUBERNETES_SERVICE_HOST/PORT and the mounted
  // service-account directory); set them to point the "in-cluster" source at any API server and token.
  inClusterHost: { env: 'KNM_IN_CLUSTER_HOST', schema: z.string().trim(), def: '' },
  inClusterPort: {
    env: 'KNM_IN_CLUSTER_PORT',
    schema: z
      .string()
      .trim()
      .regex(/^(\d{1,5})?$/, 'expected a port number, or empty for KUBERNETES_SERVICE_PORT'),
    def: '',
  },
  inClusterSaDir: { env: 'KNM_IN_CLUSTER_SA_DIR', schema: z.string().trim(), def: '' },
} as const;

type Fields = typeof FIELDS;
export type Config = { [K in keyof Fields]: z.output<Fields[K]['schema']> };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

const flagName = (key: string) => '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

/** Parse `--flag value` / `--flag=value` / bare `--flag` (true) / `--no-flag` (false). */
function parseFlags(argv: string[]): { values: Map<string, string>; problems: string[] } {
  const byFlag = new Map(Object.keys(FIELDS).map((k) => [flagName(k), k]));
  const values = new Map<string, string>();
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') continue;
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    if (name.startsWith('--no-') && byFlag.has('--' + name.slice(5)) && eq < 0) {
      values.set(byFlag.get('--' + name.slice(5))!, 'false');
      continue;
    }
    const key = byFlag.get(name);
    if (!key) {
      problems.push(`unknown option ${name} (see --help)`);
      // Its value, if any, belongs to it and is not a second unknown option.
      if (eq < 0 && name.startsWith('--') && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) i++;
      continue;
    }
    if (eq >= 0) values.set(key, arg.slice(eq + 1));
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) values.set(key, argv[++i]!);
    else values.set(key, 'true');
  }
  return { values, problems };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, argv: string[] = []): Config {
  const { values, problems } = parseFlags(argv);
  const out: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(FIELDS)) {
    const raw = values.get(key) ?? env[f.env] ?? f.def;
    const r = (f.schema as z.ZodTypeAny).safeParse(raw);
    if (r.success) out[key] = r.data;
    else problems.push(`${f.env} / ${flagName(key)}: ${r.error.issues.map((i) => i.message).join('; ')}`);
  }
  if (!problems.length) problems.push(...signInProblems(out));
  if (problems.length) throw new ConfigError(problems);
  out.dataDir = path.resolve(out.dataDir as string);
  return out as Config;
}

export function helpText(): string {
  const lines = Object.entries(FIELDS).map(
    ([k, f]) => `  ${flagName(k).padEnd(28)} ${f.env.padEnd(28)} default: ${f.def === '' ? '(none)' : f.def}`,
  );
  return `Usage: kube-node-manager [options]\n\n  option                       environment variable\n${lines.join('\n')}\n`;
}

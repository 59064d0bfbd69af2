import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, helpText, loadConfig } from '../../src/config/config.js';

function problems(env: Record<string, string>, argv: string[] = []): string[] {
  try {
    loadConfig(env, argv);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('configuration', () => {
  it('has working defaults', () => {
    const c = loadConfig({}, []);
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      demo: true,
      demoNodes: 300,
      metricsPublic: false,
      trustedProxies: [],
      allowedHosts: [],
    });
    expect(c.dataDir).toBe(path.resolve('./data'));
  });

  it('lets flags override the environment', () => {
    const c = loadConfig({ KNM_PORT: '9000', KNM_DEMO: 'true' }, [
      '--port',
      '9100',
      '--no-demo',
      '--log-level=warn',
    ]);
    expect(c).toMatchObject({ port: 9100, demo: false, logLevel: 'warn' });
  });

  it.each([
    ['KNM_HOST', '  ', /KNM_HOST \/ --host: must not be empty/],
    ['KNM_PORT', 'http', /KNM_PORT \/ --port: expected a whole number from 0 to 65535/],
    ['KNM_PORT', '70000', /KNM_PORT \/ --port: expected a whole number from 0 to 65535/],
    ['KNM_DATA_DIR', '', /KNM_DATA_DIR \/ --data-dir: must not be empty/],
    ['KNM_DATABASE_URL', 'mysql://db/knm', /KNM_DATABASE_URL .*expected a postgres:\/\/ URL/],
    [
      'KNM_LOG_LEVEL',
      'loud',
      /KNM_LOG_LEVEL .*expected one of: fatal, error, warn, info, debug, trace, silent/,
    ],
    ['KNM_DEMO', 'maybe', /KNM_DEMO \/ --demo: expected true or false, got "maybe"/],
    ['KNM_DEMO_NODES', '0', /KNM_DEMO_NODES .*from 1 to 5000/],
    ['KNM_DEMO_PODS_PER_NODE', '111', /KNM_DEMO_PODS_PER_NODE .*from 0 to 110/],
    ['KNM_DEMO_CHURN', 'sometimes', /KNM_DEMO_CHURN .*expected true or false/],
    ['KNM_SECRET_KEY', 'short', /KNM_SECRET_KEY .*32 random bytes in base64/],
    ['KNM_SECRET_KEY', randomBytes(16).toString('base64'), /KNM_SECRET_KEY .*32 random bytes/],
    ['KNM_METRICS_PUBLIC', '2', /KNM_METRICS_PUBLIC .*expected true or false/],
    ['KNM_API_TIMEOUT_MS', '50', /KNM_API_TIMEOUT_MS .*from 100 to 600000/],
    ['KNM_GUARD_MIN_SCHEDULABLE', '1.5', /KNM_GUARD_MIN_SCHEDULABLE .*between 0 and 1/],
    ['KNM_AUDIT_RETENTION_DAYS', '-1', /KNM_AUDIT_RETENTION_DAYS .*whole number/],
    ['KNM_SESSION_IDLE_MINUTES', '0', /KNM_SESSION_IDLE_MINUTES .*from 1 to 100000/],
    ['KNM_SESSION_MAX_HOURS', 'x', /KNM_SESSION_MAX_HOURS .*whole number/],
    ['KNM_SECURE_COOKIES', 'y', /KNM_SECURE_COOKIES .*expected true or false/],
    ['KNM_POD_INDEX', 'nope', /KNM_POD_INDEX .*expected true or false/],
    ['KNM_TRUSTED_PROXIES', '10.0.0.0/40', /KNM_TRUSTED_PROXIES .*addresses or CIDR blocks.*"10.0.0.0\/40"/],
    ['KNM_TRUSTED_PROXIES', 'proxy.example', /KNM_TRUSTED_PROXIES .*"proxy.example"/],
    ['KNM_ALLOWED_HOSTS', 'knm.example.com:8080', /KNM_ALLOWED_HOSTS .*without scheme or port/],
  ])('%s=%j is refused with a plain message', (name, value, message) => {
    const p = problems({ [name]: value });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(message);
  });

  it('reports every problem at once, and unknown flags', () => {
    const p = problems({ KNM_PORT: 'x', KNM_DEMO: 'perhaps' }, ['--prot', '80']);
    expect(p).toHaveLength(3);
    expect(p[0]).toMatch(/unknown option --prot/);
    const err = (() => {
      try {
        loadConfig({ KNM_PORT: 'x' });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).toMatch(/^invalid configuration:\n {2}- KNM_PORT/);
  });

  it('accepts a valid secret key and postgres or sqlite URLs', () => {
    const key = randomBytes(32).toString('base64');
    expect(loadConfig({ KNM_SECRET_KEY: key }).secretKey).toBe(key);
    expect(loadConfig({ KNM_DATABASE_URL: 'postgresql://u:p@db:5432/knm' }).databaseUrl).toMatch(
      /^postgresql/,
    );
    expect(loadConfig({ KNM_DATABASE_URL: 'sqlite:/var/lib/knm/db.sqlite' }).databaseUrl).toMatch(/^sqlite:/);
  });

  it('documents every variable in --help', () => {
    const text = helpText();
    for (const v of ['KNM_PORT', 'KNM_DATABASE_URL', 'KNM_SECRET_KEY', 'KNM_DEMO', 'KNM_METRICS_PUBLIC']) {
      expect(text).toContain(v);
    }
  });
});

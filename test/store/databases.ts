// Test databases for every dialect the store supports. SQLite always; PostgreSQL when KNM_TEST_DATABASE_URL
// points at a server where the test user may create databases (each test gets its own throw-away database).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Config } from '../../src/config/config.js';

export interface TestDatabase {
  /** What openStore needs. */
  cfg: Pick<Config, 'dataDir' | 'databaseUrl'>;
  drop(): Promise<void>;
}

export interface TestDialect {
  name: 'sqlite' | 'postgres';
  create(): Promise<TestDatabase>;
}

const sqlite: TestDialect = {
  name: 'sqlite',
  async create() {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'knm-store-'));
    return {
      cfg: { dataDir, databaseUrl: '' },
      async drop() {
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
};

function postgres(baseUrl: string): TestDialect {
  return {
    name: 'postgres',
    async create() {
      const name = 'knm_test_' + randomBytes(6).toString('hex');
      const admin = new pg.Client({ connectionString: baseUrl });
      await admin.connect();
      await admin.query(`create database ${name}`);
      await admin.end();
      const u = new URL(baseUrl);
      u.pathname = '/' + name;
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'knm-store-pg-'));
      return {
        cfg: { dataDir, databaseUrl: u.toString() },
        async drop() {
          const c = new pg.Client({ connectionString: baseUrl });
          await c.connect();
          await c.query(`drop database if exists ${name} with (force)`);
          await c.end();
          fs.rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
  };
}

const pgUrl = process.env.KNM_TEST_DATABASE_URL;

/** Use with `describe.each(testDialects())('store on %s', …)`; names print as the dialect. */
export function testDialects(): TestDialect[] {
  return pgUrl ? [sqlite, postgres(pgUrl)] : [sqlite];
}

let told = false;
/** Says plainly, once per file, when the PostgreSQL half of a suite is skipped. */
export function reportSkippedDialects(): void {
  if (!pgUrl && !told) {
    told = true;
    console.log('PostgreSQL store tests skipped: set KNM_TEST_DATABASE_URL=postgres://… to run them');
  }
}

/**
 * Every schema migration, in version order. To add one: create `NNN-<what>.ts` exporting a `Migration`
 * (see migrate.ts and schema.ts for the portable conventions) and add one line below. Never edit or reorder
 * a migration that has shipped; write a new one.
 */
import type { Migration } from '../migrate.js';
import { clusters } from './001-clusters.js';

export const MIGRATIONS: readonly Migration[] = [
  clusters, // 1
  // 2: auth — users, sessions, api_tokens, login_attempts
  // 3: audit_log
  // 4: jobs, job_nodes, templates
];

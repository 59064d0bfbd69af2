// An adopted job acts as the user who submitted it: the identity sent to a cluster that acts as the signed-in
// user (source and provider groups) is stored with the job and read back by the adopting replica.
import { describe, expect, it } from 'vitest';
import { actorRecord, resumePlan } from '../../src/operations/job-adoption.js';
import type { JobsTable } from '../../src/operations/tables.js';

const row = (actor: unknown): JobsTable => ({
  id: 'j1',
  operation: 'labels',
  params: JSON.stringify({ set: { team: 'a' }, remove: [] }),
  targets: '[]',
  clusters: '["c1"]',
  concurrency: 1,
  override: 0,
  status: 'running',
  message: null,
  message_code: null,
  created_by: 'dana',
  created_at: '2026-01-01T00:00:00.000Z',
  started_at: null,
  finished_at: null,
  owner: 'gone',
  heartbeat_at: '2026-01-01T00:00:00.000Z',
  cancel_requested: 0,
  client_ip: null,
  request_id: null,
  total: 1,
  actor: actor === undefined ? null : JSON.stringify(actor),
  adopted_by: null,
  events: null,
});

describe('the submitter’s identity on a job', () => {
  it('survives adoption with its source and provider groups', () => {
    const stored = actorRecord({
      username: 'dana',
      role: 'operator',
      clusters: null,
      canOverrideGuard: false,
      canOverrideSystemLabels: false,
      source: 'oidc',
      groups: ['oidc:sre', 'oidc:oncall'],
    });
    const { actor } = resumePlan(row(stored));
    expect(actor).toMatchObject({ username: 'dana', source: 'oidc', groups: ['oidc:sre', 'oidc:oncall'] });
  });

  it('reads a damaged or foreign identity as a local account without groups (the cluster grants less, never more)', () => {
    const { actor } = resumePlan(
      row({ username: 'x', role: 'operator', clusters: null, source: 'root', groups: [1, 'g', null] }),
    );
    expect(actor.source).toBe('local');
    expect(actor.groups).toEqual(['g']);
  });
});

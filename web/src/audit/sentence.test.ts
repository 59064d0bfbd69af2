import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../api/types';
import en from '../i18n/en';
import { auditDetails, auditSentence } from './sentence';
import { auditFiltersFromQuery, sameAuditQuery } from './urlState';

const entry = (o: Partial<AuditEntry>): AuditEntry => ({
  id: '1',
  at: '2026-12-07T00:00:00Z',
  user: 'alice',
  ip: '10.0.0.1',
  requestId: 'r1',
  action: 'x',
  cluster: null,
  nodes: [],
  params: null,
  outcome: 'success',
  status: 200,
  message: null,
  results: null,
  ...o,
});

/** Renders as the English console does (named placeholders only). */
function say(e: AuditEntry): string {
  const s = auditSentence(e);
  const params: Record<string, string | number> = { ...s.params };
  if (typeof params.what === 'string') params.what = (en.audit.what as Record<string, string>)[params.what]!;
  const tpl = (en.audit.say as Record<string, string>)[s.key];
  expect(tpl, s.key).toBeDefined();
  return tpl!.replace(/\{(\w+)\}/g, (_, k: string) => String(params[k]));
}

describe('audit sentences', () => {
  it('says who removed which cluster, from the route the server recorded', () => {
    const e = entry({
      action: 'DELETE /api/v1/clusters/:name',
      params: { params: { name: 'prod-eu' }, query: {}, body: null },
    });
    expect(say(e)).toBe('alice removed cluster prod-eu');
  });

  it('says how many nodes a batch cordoned, where and why', () => {
    const e = entry({
      user: 'bob',
      action: 'job.cordon',
      cluster: 'prod',
      nodes: Array.from({ length: 12 }, (_, i) => `n${i}`),
      params: { job: 'j1', operation: 'cordon', params: { reason: 'kernel' } },
    });
    expect(say(e)).toBe('bob cordoned 12 nodes in prod: kernel');
  });

  it('names the one node of a single-node change', () => {
    const e = entry({ action: 'node.drain', cluster: 'dev', nodes: ['web-1'], params: { reason: 'disk' } });
    expect(say(e)).toBe('alice drained web-1 in dev: disk');
  });

  it('tells a failed sign-in from a successful one and never hides an unknown action', () => {
    expect(say(entry({ action: 'auth.login' }))).toBe('alice signed in');
    expect(say(entry({ action: 'auth.login', outcome: 'failure' }))).toBe('Sign-in as alice failed');
    expect(say(entry({ action: 'webhook.deliver' }))).toBe('alice: webhook.deliver');
  });

  it('adds users and templates by the name in the request body', () => {
    const e = entry({ action: 'POST /api/v1/users', params: { params: {}, body: { username: 'carol' } } });
    expect(say(e)).toBe('alice added user carol');
    expect(say(entry({ action: 'template.delete', params: { name: 'gpu' } }))).toBe(
      'alice removed template gpu',
    );
  });

  it('lists details as field/value rows, per-node results included', () => {
    const rows = auditDetails(
      entry({
        params: { params: { name: 'prod' }, body: { impersonate: true } },
        results: [{ name: 'n1', outcome: 'failed', message: 'PDB' }],
      }),
    );
    expect(rows).toContainEqual({ key: 'params.name', value: 'prod' });
    expect(rows).toContainEqual({ key: 'body.impersonate', value: 'true' });
    expect(rows).toContainEqual({ key: 'result.n1', value: 'failed: PDB' });
    expect(rows).toContainEqual({ key: 'ip', value: '10.0.0.1' });
  });
});

describe('audit query in the URL', () => {
  it('reads a shared link back into the same form', () => {
    const f = auditFiltersFromQuery({
      user: 'bob',
      node: 'web-*',
      from: '2026-12-01T00:00:00.000Z',
      to: '2026-12-02T00:00:00.000Z',
    });
    expect(f).toMatchObject({ user: 'bob', node: 'web-*', cluster: '' });
    expect(f.range?.map((d) => d.toISOString())).toEqual([
      '2026-12-01T00:00:00.000Z',
      '2026-12-02T00:00:00.000Z',
    ]);
    expect(auditFiltersFromQuery({ from: 'garbage', to: 'x' }).range).toBeNull();
    expect(sameAuditQuery({ user: 'bob', node: undefined }, { user: 'bob' })).toBe(true);
    expect(sameAuditQuery({ user: 'bob' }, { user: 'ann' })).toBe(false);
  });
});

/**
 * What the built console asks of the browser at start: every chunk the start evaluates is preloaded from
 * index.html (no round trip between the entry's steps) and marked for eager compilation on a background thread
 * (web/vite.config.ts); screens opened later are neither.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuilt, ROOT } from '../support/server-process.js';

const DIST = path.join(ROOT, 'dist/web');
const HINT = '//# allFunctionsCalledOnLoad\n';

describe('the built console start', () => {
  let html = '';
  let scripts: string[] = [];
  beforeAll(async () => {
    await ensureWebBuilt();
    html = readFileSync(path.join(DIST, 'index.html'), 'utf8');
    scripts = readdirSync(path.join(DIST, 'assets')).filter((f) => f.endsWith('.js'));
  }, 300_000);

  const linked = () =>
    [
      ...html.matchAll(
        /<(?:script type="module"|link rel="modulepreload")[^>]*(?:src|href)="\/assets\/([^"]+\.js)"/g,
      ),
    ].map((m) => m[1]!);

  it('preloads and marks for eager compilation every chunk the start evaluates', () => {
    const start = linked();
    // The entry, Vue, Element Plus, the console's own code.
    expect(start.length).toBeGreaterThanOrEqual(4);
    expect(start.some((f) => f.startsWith('mountConsole-'))).toBe(true);
    for (const f of start) {
      expect(readFileSync(path.join(DIST, 'assets', f), 'utf8').startsWith(HINT), f).toBe(true);
    }
  });

  it('leaves screens opened later to compile lazily, and does not preload them', () => {
    const start = new Set(linked());
    const later = scripts.filter((f) => /^(Audit|Maintenance|Users)View-/.test(f));
    expect(later).toHaveLength(3);
    for (const f of later) {
      expect(start.has(f)).toBe(false);
      expect(readFileSync(path.join(DIST, 'assets', f), 'utf8').startsWith(HINT), f).toBe(false);
    }
  });
});

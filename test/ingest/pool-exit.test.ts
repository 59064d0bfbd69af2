// After pool.close() nothing of the ingest pool keeps a process alive: the fixture must end by itself.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));

it('a process ends on its own after closing its ingest pool (no thread, socket or timer left)', async () => {
  const r = await new Promise<{ code: number | null; signal: string | null; out: string; err: string }>(
    (resolve) => {
      const child = execFile(
        process.execPath,
        ['--import', 'tsx', path.join(here, 'exit-fixture.ts')],
        { cwd: path.join(here, '..', '..'), timeout: 60_000 },
        (_e, out, err) => resolve({ code: child.exitCode, signal: child.signalCode, out, err }),
      );
    },
  );
  expect(r.signal, `killed after 60 s: something kept the process alive\n${r.err}`).toBeNull();
  expect(r.code, r.err).toBe(0);
  expect(JSON.parse(r.out.trim())).toEqual({ synced: true, threads: 2, after: 0 });
});

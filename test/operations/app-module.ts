// The operation, job and template routes over a simulated cluster, as one module for the security-layer test
// app (test/auth/harness.ts): the tests of those routes differ in their cluster and guard share, not in wiring.
import type { HarnessModule } from '../auth/harness.js';
import { operationRoutes } from '../../src/api/routes/operations.js';
import { jobRoutes } from '../../src/api/routes/jobs.js';
import { templateRoutes } from '../../src/api/routes/templates.js';
import { auditLogFor } from '../../src/audit/index.js';
import { createOperations } from '../../src/operations/index.js';
import type { Fixture } from './fixtures.js';

export function operationsModule(f: Fixture, guardMinSchedulable: number): HarnessModule {
  return async (app, { store, log }) => {
    const operations = createOperations({
      db: store.db,
      dialect: 'sqlite',
      clients: f.clients,
      nodes: f.nodes,
      config: { guardMinSchedulable },
      audit: auditLogFor(store.db),
      clock: f.clock,
      log,
    });
    await app.register(operationRoutes, { operations });
    await app.register(jobRoutes, { operations });
    await app.register(templateRoutes, { operations });
  };
}

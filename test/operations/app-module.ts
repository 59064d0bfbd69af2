// The operation, job and template routes over a simulated cluster, as one module for the security-layer test
// app (test/auth/harness.ts): the tests of those routes differ in their cluster and guard share, not in wiring.
import type { RouteModule } from '../../src/api/server.js';
import { operationRoutes } from '../../src/api/routes/operations.js';
import { jobRoutes } from '../../src/api/routes/jobs.js';
import { templateRoutes } from '../../src/api/routes/templates.js';
import { auditLogFor } from '../../src/audit/index.js';
import { createOperations } from '../../src/operations/index.js';
import type { Fixture } from './fixtures.js';

export function operationsModule(f: Fixture, guardMinSchedulable: number): RouteModule {
  return (app, ctx) => {
    ctx.operations = createOperations({
      db: ctx.store.db,
      dialect: 'sqlite',
      clients: f.clients,
      nodes: f.nodes,
      config: { guardMinSchedulable },
      audit: auditLogFor(ctx.store.db),
      clock: f.clock,
      log: ctx.log,
    });
    operationRoutes(app, ctx);
    jobRoutes(app, ctx);
    templateRoutes(app, ctx);
  };
}

/**
 * Every schema migration, in version order. To add one: create `NNN-<what>.ts` exporting a `Migration`
 * (see migrate.ts and schema.ts for the portable conventions) and add one line below. Never edit or reorder
 * a migration that has shipped; write a new one.
 */
import type { Migration } from '../migrate.js';
import { clusters } from './001-clusters.js';
import { auth } from './002_auth.js';
import { audit } from './003_audit.js';
import { jobs } from './004_jobs.js';
import { tokenClusters } from './005-token-clusters.js';
import { signInProviders } from './006-sign-in-providers.js';
import { jobHandover } from './007-job-handover.js';
import { storeProbe } from './008-store-probe.js';
import { disableEvictionGrant } from './009-disable-eviction-grant.js';
import { nodeHealth } from './010-node-health.js';
import { providerGroups } from './011-provider-groups.js';
import { webhooks } from './012-webhooks.js';
import { maintenance } from './013-maintenance.js';
import { savedViews } from './014-saved-views.js';
import { messageCodes } from './015-message-codes.js';
import { maintenanceMessageCodes } from './016-maintenance-message-codes.js';

export const MIGRATIONS: readonly Migration[] = [
  clusters, // 1
  auth, // 2: users, sessions, api_tokens, login_throttle
  audit, // 3: audit_log, audit_targets
  jobs, // 4: jobs, job_nodes, templates
  tokenClusters, // 5: api_tokens.clusters
  signInProviders, // 6: users.source, oidc_logins
  jobHandover, // 7: jobs.actor/adopted_by/events, leases
  storeProbe, // 8: store_probe (readiness write check), templates.owner/clusters
  disableEvictionGrant, // 9: users.can_disable_eviction
  nodeHealth, // 10: node_health (health history intervals)
  providerGroups, // 11: users.groups
  webhooks, // 12: webhooks, webhook_deliveries
  maintenance, // 13: maintenance_plans, maintenance_nodes
  savedViews, // 14: saved_views
  messageCodes, // 15: jobs.message_code, job_nodes.message_code
  maintenanceMessageCodes, // 16: maintenance_plans.pause_code, maintenance_nodes.message_code
];

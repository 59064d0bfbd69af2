/** Typed calls of docs/API.md, one function per route the console uses. */
import type { PermissionMatrix } from '../../../src/clusters/permissions';
import { del, enc, get, patch, post, put, request, type Query } from './http';
import type {
  ApiToken,
  AuditPage,
  ClusterInfo,
  DrainOptions,
  DrainPreview,
  EventSummary,
  Job,
  JobOperation,
  JobTarget,
  KubeContext,
  LabelChange,
  MeAnswer,
  NodeDetail,
  NodeList,
  NodeRow,
  PodSummary,
  Role,
  TaintChange,
  Template,
  TemplatePreview,
  User,
} from './types';

/** The detail answer also says where it came from (the cache, or the API when the cache is not ready). */
export type NodeDetailAnswer = NodeDetail & { source?: 'cache' | 'direct'; degraded?: boolean };

const nodePath = (cluster: string, name: string) => `/clusters/${enc(cluster)}/nodes/${enc(name)}`;

export const auth = {
  login: (username: string, password: string) =>
    request<MeAnswer>('POST', '/auth/login', { username, password }, { allow401: true }),
  logout: () => post<void>('/auth/logout'),
  /** Which ways to sign in the server offers (public). */
  providers: () => get<{ local: boolean; oidc: { name: string } | null; ldap: boolean }>('/auth/providers'),
  ldapLogin: (username: string, password: string) =>
    request<MeAnswer>('POST', '/auth/ldap/login', { username, password }, { allow401: true }),
  /** Ends the session; for provider accounts answers the provider's sign-out page to go to. */
  endSession: () => post<{ redirectTo: string | null }>('/auth/end-session'),
  me: () => request<MeAnswer>('GET', '/me', undefined, { allow401: true }),
  changePassword: (currentPassword: string, newPassword: string) =>
    post<void>('/me/password', { currentPassword, newPassword }),
};

export interface UserInput {
  username?: string;
  password?: string;
  role?: Role;
  clusters?: string[] | null;
  canOverrideGuard?: boolean;
  canOverrideSystemLabels?: boolean;
  canDisableEviction?: boolean;
}

export const users = {
  list: () => get<{ items: User[] }>('/users'),
  create: (u: UserInput) => post<{ user: User } | User>('/users', u),
  update: (id: string, u: UserInput) => patch<{ user: User } | User>(`/users/${enc(id)}`, u),
  remove: (id: string) => del<void>(`/users/${enc(id)}`),
};

export interface TokenInput {
  name: string;
  role?: Role;
  expiresInDays?: number;
  /** Leave out for a token that sees whatever its owner sees. */
  clusters?: string[];
}

export const tokens = {
  list: () => get<{ items: ApiToken[] }>('/tokens'),
  create: (t: TokenInput) => post<{ token: ApiToken; secret: string }>('/tokens', t),
  revoke: (id: string) => del<void>(`/tokens/${enc(id)}`),
};

/** `impersonate`: act as the signed-in user (the cluster's own RBAC decides too). */
export type ClusterSource = (
  | { name: string; source: 'kubeconfig'; kubeconfig: string; context?: string }
  | { name: string; source: 'server-context'; context: string }
  | { name: string; source: 'in-cluster' }
) & { impersonate?: boolean };

export const clusters = {
  list: () => get<{ items: ClusterInfo[] }>('/clusters'),
  get: (name: string) => get<ClusterInfo>(`/clusters/${enc(name)}`),
  add: (body: ClusterSource) => post<ClusterInfo | { cluster: ClusterInfo }>('/clusters', body),
  test: (body: ClusterSource) =>
    post<{
      ok: boolean;
      version?: string;
      nodeCount?: number;
      message?: string;
      permissions?: PermissionMatrix;
    }>('/clusters/test', body),
  permissions: (name: string, refresh = false) =>
    get<PermissionMatrix>(`/clusters/${enc(name)}/permissions`, refresh ? { refresh: 'true' } : undefined),
  remove: (name: string) => del<void>(`/clusters/${enc(name)}`),
  setImpersonate: (name: string, impersonate: boolean) =>
    patch<ClusterInfo>(`/clusters/${enc(name)}`, { impersonate }),
  serverContexts: () => get<{ items: KubeContext[]; current?: string | null }>('/kubeconfig/contexts'),
  parseContexts: (kubeconfig: string) =>
    post<{ items: KubeContext[]; current?: string | null }>('/kubeconfig/contexts', { kubeconfig }),
};

export const nodes = {
  list: (query: Query, signal?: AbortSignal) => get<NodeList>('/nodes', query, signal),
  get: async (cluster: string, name: string) => {
    const a = await get<NodeDetailAnswer | { node: NodeDetailAnswer }>(nodePath(cluster, name));
    return 'node' in a && a.node && typeof a.node === 'object' && 'cluster' in a.node
      ? a.node
      : (a as NodeDetailAnswer);
  },
  pods: (cluster: string, name: string, query: Query) =>
    get<{ items: PodSummary[]; continue?: string }>(`${nodePath(cluster, name)}/pods`, query),
  events: (cluster: string, name: string) =>
    get<{ items: EventSummary[] }>(`${nodePath(cluster, name)}/events`),
  cordon: (cluster: string, name: string, reason: string, override?: boolean) =>
    post<{ node: NodeRow; changed: boolean }>(`${nodePath(cluster, name)}/cordon`, {
      reason,
      override: override || undefined,
    }),
  uncordon: (cluster: string, name: string) =>
    post<{ node: NodeRow; changed: boolean }>(`${nodePath(cluster, name)}/uncordon`, {}),
  labels: (cluster: string, name: string, change: LabelChange & { allowSystem?: boolean }) =>
    patch<{ node: NodeRow; changed: boolean }>(`${nodePath(cluster, name)}/labels`, change),
  taints: (cluster: string, name: string, change: TaintChange) =>
    patch<{ node: NodeRow; changed: boolean }>(`${nodePath(cluster, name)}/taints`, change),
  drainPreview: (cluster: string, name: string, options: DrainOptions) =>
    post<DrainPreview>(`${nodePath(cluster, name)}/drain`, { ...options, dryRun: true }),
};

export interface JobRequest {
  operation: JobOperation;
  targets: JobTarget[];
  params: Record<string, unknown>;
  concurrency?: number;
  override?: boolean;
}

const unwrapJob = (a: { job: Job } | Job): Job => ('job' in a && a.job ? a.job : (a as Job));

export const jobs = {
  create: async (body: JobRequest) => unwrapJob(await post<{ job: Job }>('/jobs', body)),
  /** Newest first; `continue` is there while older jobs remain. */
  list: (query?: Query) => get<{ items: Job[]; continue?: string }>('/jobs', query),
  get: async (id: string) => unwrapJob(await get<{ job: Job } | Job>(`/jobs/${enc(id)}`)),
  cancel: (id: string) => post<unknown>(`/jobs/${enc(id)}/cancel`),
};

export type TemplateInput = Omit<Template, 'id' | 'owner' | 'createdBy' | 'createdAt' | 'updatedAt'>;

const unwrapTemplate = (a: { template: Template } | Template): Template =>
  'template' in a && a.template ? a.template : (a as Template);

export const templates = {
  list: () => get<{ items: Template[] }>('/templates'),
  create: async (t: TemplateInput) => unwrapTemplate(await post<{ template: Template }>('/templates', t)),
  update: async (id: string, t: TemplateInput) =>
    unwrapTemplate(await put<{ template: Template }>(`/templates/${enc(id)}`, t)),
  remove: (id: string) => del<void>(`/templates/${enc(id)}`),
  preview: (id: string, targets: JobTarget[]) =>
    post<TemplatePreview>(`/templates/${enc(id)}/preview`, { targets }),
  apply: async (id: string, targets: JobTarget[], concurrency?: number, override?: boolean) =>
    unwrapJob(
      await post<{ job: Job }>(`/templates/${enc(id)}/apply`, {
        targets,
        concurrency,
        override: override || undefined,
      }),
    ),
};

export const audit = {
  list: (query: Query) => get<AuditPage>('/audit', query),
};

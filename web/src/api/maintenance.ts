/** Rolling maintenance plans (docs/API.md "Maintenance"). Shapes are the server's own (types-only module). */
import type {
  GateCheck,
  HoldMode,
  MaintenanceNodeState,
  MaintenanceOrder,
  MaintenancePreview,
  MaintenancePreviewNode,
  MaintenanceProgress,
  MaintenanceStep,
} from '../../../src/operations/maintenance/types';
import { enc, get, post, type Query } from './http';
import type { Job } from './types';

export type {
  GateCheck,
  HoldMode,
  MaintenanceNodeState,
  MaintenanceOrder,
  MaintenancePreview,
  MaintenancePreviewNode,
  MaintenanceProgress,
  MaintenanceStep,
};

export type MaintenanceJob = Job & { maintenance?: MaintenanceProgress };

export interface MaintenanceBody {
  targets: { cluster: string; nodes?: string[]; selector?: string }[];
  order: MaintenanceOrder;
  maxUnavailable: number | string;
  drain: Record<string, unknown>;
  hold: { mode: HoldMode; seconds?: number };
  uncordon: boolean;
  gateTimeoutSeconds: number;
  maxFailedNodes: number;
  override?: boolean;
}

const path = (id: string) => `/maintenance/${enc(id)}`;
const unwrap = async (p: Promise<{ maintenance: MaintenanceJob }>) => (await p).maintenance;

export const maintenanceApi = {
  preview: (body: MaintenanceBody) => post<MaintenancePreview>('/maintenance', { ...body, dryRun: true }),
  start: (body: MaintenanceBody) => unwrap(post<{ maintenance: MaintenanceJob }>('/maintenance', body)),
  list: (query?: Query) => get<{ items: MaintenanceJob[]; continue?: string }>('/maintenance', query),
  get: (id: string) => unwrap(get<{ maintenance: MaintenanceJob }>(path(id))),
  pause: (id: string) => unwrap(post<{ maintenance: MaintenanceJob }>(`${path(id)}/pause`)),
  resume: (id: string) => unwrap(post<{ maintenance: MaintenanceJob }>(`${path(id)}/resume`)),
  abort: (id: string) => unwrap(post<{ maintenance: MaintenanceJob }>(`${path(id)}/abort`)),
  markDone: (id: string, cluster: string, name: string) =>
    unwrap(post<{ maintenance: MaintenanceJob }>(`${path(id)}/nodes/${enc(cluster)}/${enc(name)}/done`)),
};

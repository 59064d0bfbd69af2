/**
 * Row types of the maintenance tables (migrations 13 and 16), added to the store's `Database` by augmentation.
 * Conventions (text timestamps, JSON as text, 0/1 booleans) are the store's (schema.ts).
 */
export interface MaintenancePlansTable {
  job_id: string;
  paused: number;
  pause_reason: string | null;
  /** JSON: the pause reason's code and parameters (migration 16; src/messages/column.ts). */
  pause_code: string | null;
  updated_at: string;
}

export interface MaintenanceNodesTable {
  job_id: string;
  seq: number;
  cluster: string;
  name: string;
  wave: number;
  /** MaintenanceStep. */
  step: string;
  step_started_at: string | null;
  /** JSON: GateObjectRef[] collected before the node's pods were evicted. */
  gate_on: string;
  saw_not_ready: number;
  done_requested: number;
  message: string | null;
  /** JSON: the message's code and parameters (migration 16). */
  message_code: string | null;
  updated_at: string;
}

declare module '../../store/schema.js' {
  interface Database {
    maintenance_plans: MaintenancePlansTable;
    maintenance_nodes: MaintenanceNodesTable;
  }
}

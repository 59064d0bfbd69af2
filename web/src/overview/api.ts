/** GET /api/v1/overview: per-cluster counts for the fleet overview. */
import type { FleetOverview } from '../../../src/overview/types';
import { get } from '../api/http';

export type { ClusterOverview, FleetOverview } from '../../../src/overview/types';

export const fetchOverview = () => get<FleetOverview>('/overview');

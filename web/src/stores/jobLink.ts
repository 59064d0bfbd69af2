/**
 * A job's own link: `#/jobs/<id>`, or `?job=<id>` on any page, opens its panel. The panel's short id links to
 * `#/jobs/<id>`, so a job can be shared like a node or an audit query.
 */
import { watch } from 'vue';
import { ElMessage } from 'element-plus';
import { jobs as jobsApi } from '../api/endpoints';
import { format, route, type Route } from '../router';
import { session } from '../session';
import { openJobPanel } from './jobs';
import { errorMessage } from '../nodes/operations';

const JOB_PATH = /^\/jobs\/([^/]+)$/;

export const jobHref = (id: string) => format(`/jobs/${encodeURIComponent(id)}`);

export function jobIdFromRoute(r: Readonly<Route>): string | null {
  const m = JOB_PATH.exec(r.path);
  if (m) {
    try {
      return decodeURIComponent(m[1]!);
    } catch {
      return null;
    }
  }
  return r.query.job || null;
}

let started = false;
let opened: string | null = null;

/** Opens the linked job once per link, after sign-in; closing the panel keeps it closed until the link changes. */
export function followJobLinks(open: (id: string) => Promise<void> = openById): void {
  if (started) return;
  started = true;
  watch(
    () => [jobIdFromRoute(route), session.user?.id] as const,
    ([id, user]) => {
      if (!id) opened = null;
      if (!id || !user || id === opened) return;
      opened = id;
      // An unknown id or a job of a cluster the user cannot see: say so instead of an empty panel.
      void open(id).catch((e: unknown) => ElMessage.error(errorMessage(e)));
    },
    { immediate: true },
  );
}

async function openById(id: string): Promise<void> {
  openJobPanel(await jobsApi.get(id));
}

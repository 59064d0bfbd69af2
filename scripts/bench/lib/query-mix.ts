/**
 * The realistic query mix: what people using the console ask, drawn from a seeded generator so two runs ask the
 * same questions. A session is one user's question (filters, sort, page size) followed by paging through it
 * with continue tokens (1–20 pages), or a search typed a letter at a time, or a whole filtered list; some
 * sessions ask across all clusters. Repeats happen only as often as two users happen to ask the same thing,
 * so the query memo helps about as much as it would in production.
 */
import http from 'node:http';

export interface MixSession {
  kind: 'page' | 'search' | 'full';
  /** Path and query of the first request (continue tokens are appended for later pages). */
  paths: string[];
  /** Pages to walk following continue tokens (1 for searches and full lists). */
  pages: number;
}

export interface MixInputs {
  clusters: string[];
  /** Real node names (search prefixes are typed from them). */
  names: string[];
  zones: string[];
  pools: string[];
}

/** mulberry32: small, fast, good enough to pick queries reproducibly. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every sortable column the console offers (resource shares need the usage poll, so they are left out). */
export const SORT_COLUMNS = [
  'name',
  'status',
  'schedulable',
  'cordon',
  'roles',
  'internalIP',
  'externalIP',
  'hostname',
  'labels',
  'taints',
  'podCount',
  'kubeletVersion',
  'osImage',
  'kernelVersion',
  'containerRuntime',
  'architecture',
  'createdAt',
  'conditions',
  'capacity.cpu',
  'allocatable.memory',
];
const PAGE_SIZES = [50, 100, 200, 250, 500];

export function generateMix(n: number, seed: number, inp: MixInputs): MixSession[] {
  const r = seeded(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const filters = (): string[] => {
    const f: string[] = [];
    if (r() < 0.35) f.push(`status=${pick(['Ready', 'NotReady', 'Unknown', 'NotReady,Unknown'])}`);
    if (r() < 0.2) f.push(`schedulable=${pick(['true', 'false'])}`);
    if (r() < 0.3) f.push(`role=${pick(['worker', 'infra', 'gpu', 'control-plane'])}`);
    if (r() < 0.3)
      f.push(
        `labelSelector=${encodeURIComponent(
          pick([
            'kubernetes.io/os=linux',
            `topology.kubernetes.io/zone=${pick(inp.zones)}`,
            `pool=${pick(inp.pools)}`,
            'acme.io/team in (shared,platform)',
            'nvidia.com/gpu.present',
            `!nvidia.com/gpu.present,topology.kubernetes.io/zone!=${pick(inp.zones)}`,
          ]),
        )}`,
      );
    if (r() < 0.15)
      f.push(
        `taint=${encodeURIComponent(
          pick([
            'nvidia.com/gpu',
            '!node.kubernetes.io/unschedulable',
            ':NoExecute',
            'node.kubernetes.io/not-ready',
          ]),
        )}`,
      );
    return f;
  };
  const sort = () => `sort=${r() < 0.5 ? '-' : ''}${encodeURIComponent(pick(SORT_COLUMNS))}`;
  const out: MixSession[] = [];
  for (let i = 0; i < n; i++) {
    // about one session in six looks at the whole fleet
    const all = r() < 0.17;
    const base = all ? '/api/v1/nodes' : `/api/v1/clusters/${pick(inp.clusters)}/nodes`;
    const kind = r();
    if (kind < 0.2) {
      // typing a name: one request per letter, 3–12 letters
      const name = pick(inp.names);
      const len = Math.min(name.length, 3 + Math.floor(r() * 10));
      const tail = `&limit=${pick(PAGE_SIZES)}${r() < 0.5 ? '&' + sort() : ''}`;
      const paths: string[] = [];
      for (let k = 1; k <= len; k++)
        paths.push(`${base}?search=${encodeURIComponent(name.slice(0, k))}${tail}`);
      out.push({ kind: 'search', paths, pages: 1 });
    } else if (kind < 0.25) {
      const q = [...filters(), sort(), 'limit=10000'];
      if (r() < 0.5) q.splice(0, q.length - 2); // half of them: every node, just sorted
      out.push({ kind: 'full', paths: [`${base}?${q.join('&')}`], pages: 1 });
    } else {
      const q = [...filters(), ...(r() < 0.85 ? [sort()] : []), `limit=${pick(PAGE_SIZES)}`];
      out.push({ kind: 'page', paths: [`${base}?${q.join('&')}`], pages: 1 + Math.floor(r() * 20) });
    }
  }
  return out;
}

export interface MixResult {
  /** Milliseconds per request, by session kind. */
  ms: Record<MixSession['kind'], number[]>;
  requests: number;
  /** Sessions run (fewer than given when the time ran out). */
  sessions: number;
  bytes: number;
  /** Answers other than 200, and the first few of them in full. */
  errorCount: number;
  errors: string[];
}

/**
 * Runs the sessions with `clients` concurrent users (each its own keep-alive connection), in order; no session
 * starts after `maxMs`.
 */
export async function runMix(
  origin: string,
  headers: Record<string, string>,
  sessions: MixSession[],
  clients: number,
  maxMs = Infinity,
): Promise<MixResult> {
  const end = performance.now() + maxMs;
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const res: MixResult = {
    ms: { page: [], search: [], full: [] },
    requests: 0,
    sessions: 0,
    bytes: 0,
    errorCount: 0,
    errors: [],
  };
  const get = (path: string) =>
    new Promise<{ ms: number; status: number; body: Buffer }>((resolve, reject) => {
      const t0 = performance.now();
      http
        .get(origin + path, { agent, headers }, (r) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () =>
            resolve({ ms: performance.now() - t0, status: r.statusCode ?? 0, body: Buffer.concat(chunks) }),
          );
          r.on('error', reject);
        })
        .on('error', reject);
    });
  let next = 0;
  const user = async () => {
    for (let s = sessions[next++]; s && performance.now() < end; s = sessions[next++]) {
      res.sessions++;
      for (const path of s.paths) {
        let cont: string | undefined;
        for (let p = 0; p < s.pages; p++) {
          const r = await get(cont ? `${path}&continue=${cont}` : path);
          res.requests++;
          res.bytes += r.body.length;
          if (r.status !== 200) {
            res.errorCount++;
            if (res.errors.length < 5)
              res.errors.push(`${r.status} ${path}: ${r.body.toString().slice(0, 200)}`);
            break;
          }
          res.ms[s.kind].push(r.ms);
          // only paged walks need the token; full lists are parsed by nobody here (a browser does it elsewhere)
          if (s.pages > 1) {
            cont = (JSON.parse(r.body.toString()) as { continue?: string }).continue;
            if (!cont) break;
          }
        }
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, user));
  agent.destroy();
  return res;
}

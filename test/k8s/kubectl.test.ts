// The real kubectl, unchanged, against the simulator and a real kube-apiserver with the same script: paging,
// selectors, describe, label, taint, cordon, drain (server dry run, then for real), uncordon and a watch.
// Each step's output is normalised (ages, uids, resourceVersions, times, addresses) and the two transcripts
// must be equal; a difference is a divergence to fix in the simulator. Each target also has to do what a
// user of kubectl would expect, so a one-sided run (no kube-apiserver built) still tests the simulator.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlPlaneAvailable, startControlPlane, waitFor } from './harness.js';
import { api, apiRequest, type ApiTarget, type KubeObject } from './http.js';
import {
  findKubectl,
  Kubectl,
  KUBECTL_VERSION,
  normaliseDescribe,
  normaliseTable,
  normaliseText,
  requestLog,
  type KubectlResult,
} from './kubectl.js';
import { isPodRunningReady, realTargetOf, simTarget, type Target, type TargetFactory } from './targets.js';

// The scene has no PodDisruptionBudget, so the real side needs no controller manager: etcd, kube-apiserver and
// kwok (which runs the pods and removes evicted ones) are enough.
const realPlain: TargetFactory = {
  name: 'kube-apiserver',
  available: controlPlaneAvailable(),
  start: async () => realTargetOf(await startControlPlane()),
};
const TARGETS: TargetFactory[] = [simTarget, realPlain];

const kubectlBin = findKubectl();
if (!kubectlBin)
  console.log(
    `kubectl tier skipped: no kubectl ${KUBECTL_VERSION} (build it with scripts/k8s/build.sh kubectl, or set KNM_KUBECTL_BIN)`,
  );
const realAvailable = realPlain.available;
if (kubectlBin && !realAvailable)
  console.log(
    'kubectl tier: kube-apiserver not built; the script runs against the simulator only (no comparison)',
  );

/** One step of the script: what was run and its normalised outcome. */
interface Step {
  name: string;
  code: number | null;
  out: unknown;
}

type Transcript = Map<string, Step>;

const NODES = { a: 'kc-a', b: 'kc-b', c: 'kc-c' } as const;
const WEB = { app: 'web' };
const CONTAINER = { name: 'main', image: 'registry.invalid/app:1', resources: { requests: { cpu: '100m' } } };

function ownerRef(kind: string, name: string, uid: string): Record<string, unknown> {
  return { apiVersion: 'apps/v1', kind, name, uid, controller: true, blockOwnerDeletion: true };
}

async function createOwner(t: ApiTarget, ns: string, kind: 'ReplicaSet' | 'DaemonSet', name: string) {
  const selector = { matchLabels: { owner: name } };
  const template = { metadata: { labels: { owner: name } }, spec: { containers: [CONTAINER] } };
  const spec = kind === 'ReplicaSet' ? { replicas: 0, selector, template } : { selector, template };
  const path = `/apis/apps/v1/namespaces/${ns}/${kind === 'ReplicaSet' ? 'replicasets' : 'daemonsets'}`;
  return (await api(t, 'POST', path, { body: { apiVersion: 'apps/v1', kind, metadata: { name }, spec } }))
    .body;
}

async function createPod(
  t: ApiTarget,
  ns: string,
  name: string,
  node: string,
  o: { labels?: Record<string, string>; owner?: Record<string, unknown>; emptyDir?: boolean },
): Promise<void> {
  const body: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: o.labels ?? {}, ...(o.owner ? { ownerReferences: [o.owner] } : {}) },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: 1,
      containers: [
        o.emptyDir ? { ...CONTAINER, volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }] } : CONTAINER,
      ],
      ...(o.emptyDir ? { volumes: [{ name: 'scratch', emptyDir: {} }] } : {}),
    },
  };
  await api(t, 'POST', `/api/v1/namespaces/${ns}/pods`, { body });
}

/** The scene both targets start from, built through the API the same way. */
async function buildScene(t: Target): Promise<string> {
  const ns = await t.makeNamespace('kc');
  await t.makeNode(NODES.a, { labels: { pool: 'blue' } });
  await t.makeNode(NODES.b, { labels: { pool: 'blue' } });
  await t.makeNode(NODES.c, { labels: { pool: 'green', gpu: 'true' } });
  const rs = await createOwner(t, ns, 'ReplicaSet', 'web');
  const ds = await createOwner(t, ns, 'DaemonSet', 'agent');
  const rsRef = ownerRef('ReplicaSet', 'web', String(rs.metadata?.uid));
  const dsRef = ownerRef('DaemonSet', 'agent', String(ds.metadata?.uid));
  const pods: Array<[string, string, Parameters<typeof createPod>[4]]> = [
    ['web-a1', NODES.a, { labels: WEB, owner: rsRef }],
    ['cache-a1', NODES.a, { labels: { ...WEB, tier: 'cache' }, owner: rsRef, emptyDir: true }],
    ['agent-a1', NODES.a, { labels: { owner: 'agent' }, owner: dsRef }],
    ['web-b1', NODES.b, { labels: WEB, owner: rsRef }],
    ['web-b2', NODES.b, { labels: WEB, owner: rsRef }],
    ['web-c1', NODES.c, { labels: WEB, owner: rsRef }],
    ['agent-c1', NODES.c, { labels: { owner: 'agent' }, owner: dsRef }],
  ];
  for (const [name, node, o] of pods) await createPod(t, ns, name, node, o);
  await waitFor(
    async () => {
      const list = (await apiRequest(t, 'GET', `/api/v1/namespaces/${ns}/pods`)).body as KubeObject;
      const items = list.items ?? [];
      return items.length === pods.length && items.every(isPodRunningReady);
    },
    { timeoutMs: 60_000, what: `the scene's pods Running and Ready in ${ns}` },
  );
  return ns;
}

const lines = (s: string): string[] =>
  normaliseText(s)
    .split('\n')
    .filter((l) => l.trim() !== '');

/** Runs the script; every step's outcome goes into the transcript, in order. */
async function runScript(t: Target, k: Kubectl): Promise<Transcript> {
  const ns = await buildScene(t);
  const steps: Transcript = new Map();
  const record = (name: string, r: KubectlResult, out: unknown): void => {
    steps.set(name, { name, code: r.code, out });
  };
  const text = async (name: string, args: string[]): Promise<void> => {
    const r = await k.run(args);
    record(name, r, { stdout: lines(r.stdout), stderr: lines(r.stderr) });
  };
  const table = async (name: string, args: string[], drop: string[] = []): Promise<void> => {
    const r = await k.run(args);
    record(name, r, { rows: normaliseTable(r.stdout, drop), stderr: lines(r.stderr) });
  };
  /**
   * Drain prints evictions as they happen, in parallel, and lists the reasons a node cannot be drained in Go
   * map order, which differs from run to run on either server: sets are what is compared.
   */
  const sortReasons = (l: string): string =>
    l.replace(/due to error: \[(.*)\], continuing/, (_m, inner: string) => {
      const reasons = inner.split(/, (?=cannot )/).sort();
      return `due to error: [${reasons.join(', ')}], continuing`;
    });
  const unordered = async (name: string, args: string[]): Promise<void> => {
    const r = await k.run(args);
    record(name, r, { stdout: lines(r.stdout).sort(), stderr: lines(r.stderr).map(sortReasons).sort() });
  };

  // --- reading: tables, selectors, paging ---
  await table('get nodes', ['get', 'nodes'], ['VERSION']);
  await text('get nodes -l pool=blue', ['get', 'nodes', '-l', 'pool=blue', '-o', 'name']);
  await text('get nodes -l set-based', ['get', 'nodes', '-l', 'pool in (blue,green),!gpu', '-o', 'name']);
  await text('get nodes -l gpu', ['get', 'nodes', '-l', 'gpu', '-o', 'name']);
  await text('get nodes --field-selector metadata.name', [
    'get',
    'nodes',
    '--field-selector',
    `metadata.name=${NODES.b}`,
    '-o',
    'name',
  ]);
  await text('get nodes --field-selector bad', ['get', 'nodes', '--field-selector', 'spec.bogus=1']);
  {
    const r = await k.run(['get', 'pods', '-n', ns, '--chunk-size=2', '-v=6']);
    record('get pods --chunk-size=2', r, {
      rows: normaliseTable(r.stdout),
      requests: requestLog(r.stderr).filter((l) => l.includes('/pods')),
    });
  }
  {
    const r = await k.run(['get', 'pods', '-A', '--chunk-size=1', '-l', 'app=web', '-o', 'name', '-v=6']);
    record('get pods -A --chunk-size=1 -l app=web', r, {
      names: lines(r.stdout),
      requests: requestLog(r.stderr).filter((l) => l.includes('/pods')),
    });
  }
  await text('get pods --field-selector spec.nodeName', [
    'get',
    'pods',
    '-A',
    '--field-selector',
    `spec.nodeName=${NODES.a}`,
    '-o',
    'name',
  ]);
  await text('get pods --field-selector and -l', [
    'get',
    'pods',
    '-n',
    ns,
    '--field-selector',
    `spec.nodeName!=${NODES.a},status.phase=Running`,
    '-l',
    'app=web',
    '-o',
    'name',
  ]);
  await table('get pods -l tier notin', ['get', 'pods', '-n', ns, '-l', 'app=web,tier notin (cache)']);
  {
    const r = await k.run(['describe', 'node', NODES.a]);
    record('describe node', r, { text: normaliseDescribe(r.stdout), stderr: lines(r.stderr) });
  }

  // --- labels ---
  await text('label node', ['label', 'node', NODES.a, 'tier=gold']);
  await text('label node without --overwrite', ['label', 'node', NODES.a, 'tier=silver']);
  await text('label node --overwrite', ['label', 'node', NODES.a, 'tier=silver', '--overwrite']);
  await text('label nodes by selector', ['label', 'nodes', '-l', 'pool=blue', 'zone=z1']);
  await text('get nodes -L', [
    'get',
    'nodes',
    '-L',
    'tier,zone',
    '-o',
    'custom-columns=N:.metadata.name,T:.metadata.labels.tier,Z:.metadata.labels.zone',
  ]);
  await text('remove label', ['label', 'node', NODES.a, 'tier-']);
  await text('label node invalid', ['label', 'node', NODES.a, 'bad key!=x']);

  // --- taints: one key with two effects ---
  await text('taint NoSchedule', ['taint', 'node', NODES.b, 'dedicated=infra:NoSchedule']);
  await text('taint NoExecute same key', ['taint', 'node', NODES.b, 'dedicated=infra:NoExecute']);
  await text('taint again without --overwrite', ['taint', 'node', NODES.b, 'dedicated=other:NoExecute']);
  await text('taints after two effects', ['get', 'node', NODES.b, '-o', 'jsonpath={.spec.taints}']);
  await text('untaint one effect', ['taint', 'node', NODES.b, 'dedicated:NoSchedule-']);
  await text('taints after untaint', ['get', 'node', NODES.b, '-o', 'jsonpath={.spec.taints}']);
  await text('untaint the key', ['taint', 'node', NODES.b, 'dedicated-']);
  await text('untaint missing', ['taint', 'node', NODES.b, 'dedicated-']);

  // --- cordon, drain, uncordon ---
  await text('cordon', ['cordon', NODES.a]);
  await text('cordon again', ['cordon', NODES.a]);
  await table('get nodes after cordon', ['get', 'nodes'], ['VERSION']);
  await unordered('drain refused without flags', ['drain', NODES.a, '--dry-run=server', '--timeout=60s']);
  await unordered('drain --dry-run=server', [
    'drain',
    NODES.a,
    '--dry-run=server',
    '--ignore-daemonsets',
    '--delete-emptydir-data',
    '--timeout=60s',
  ]);
  await text('pods after server dry run', [
    'get',
    'pods',
    '-n',
    ns,
    '--field-selector',
    `spec.nodeName=${NODES.a}`,
    '-o',
    'name',
  ]);
  await unordered('drain', [
    'drain',
    NODES.a,
    '--ignore-daemonsets',
    '--delete-emptydir-data',
    '--timeout=60s',
  ]);
  await text('pods after drain', [
    'get',
    'pods',
    '-n',
    ns,
    '--field-selector',
    `spec.nodeName=${NODES.a}`,
    '-o',
    'name',
  ]);
  await text('uncordon', ['uncordon', NODES.a]);
  await text('uncordon again', ['uncordon', NODES.a]);
  await text('cordon by selector', ['cordon', '-l', 'pool=blue']);
  await text('uncordon by selector', ['uncordon', '-l', 'pool=blue']);

  // --- watch: the initial list, then one change made while watching ---
  {
    const out = await k.stream(
      ['get', 'pods', '-n', ns, '-l', 'app=web,tier!=cache', '-w', '--output-watch-events'],
      (o) => lines(o).length >= 4, // header + web-b1, web-b2, web-c1 (web-a1 was drained)
      async () => {
        const r = await k.run(['label', 'pod', '-n', ns, 'web-b1', 'stage=canary']);
        if (r.code !== 0) throw new Error(`label during watch failed: ${r.stderr}`);
      },
      (o) => /MODIFIED\s+web-b1\s/.test(o),
    );
    // Status updates from the node agent (kwok or the simulated kubelet) may interleave; only the initial
    // list and the change made here are the API server's doing.
    const rows = normaliseTable(out).filter((r, i) => i === 0 || r[0] === 'ADDED' || r[1] === 'web-b1');
    steps.set('get pods -w', { name: 'get pods -w', code: 0, out: rows });
  }
  return steps;
}

const transcripts = new Map<string, Transcript>();
const kubectls: Kubectl[] = [];

describe.skipIf(!kubectlBin)(`kubectl ${KUBECTL_VERSION} against both API servers`, () => {
  const targets = TARGETS.filter((f) => f.available);
  const started: Target[] = [];

  beforeAll(async () => {
    for (const f of targets) {
      const t = await f.start();
      started.push(t);
      const k = new Kubectl(kubectlBin!, t.kubeconfigYaml);
      kubectls.push(k);
      transcripts.set(f.name, await runScript(t, k));
    }
    // KNM_KUBECTL_TRANSCRIPTS=<dir> keeps each target's normalised transcript, to read a divergence whole.
    const keep = process.env.KNM_KUBECTL_TRANSCRIPTS;
    if (keep) {
      fs.mkdirSync(keep, { recursive: true });
      for (const [name, tr] of transcripts)
        fs.writeFileSync(path.join(keep, `${name}.json`), JSON.stringify([...tr.values()], null, 2));
    }
  }, 600_000);

  afterAll(async () => {
    for (const t of started.splice(0)) await t.close();
    for (const k of kubectls.splice(0)) k.cleanup();
  });

  describe.each(targets.map((f) => f.name))('on %s', (name) => {
    const step = (s: string): Step => {
      const v = transcripts.get(name)?.get(s);
      if (!v) throw new Error(`no step "${s}" in the ${name} transcript`);
      return v;
    };
    const stdout = (s: string): string[] => (step(s).out as { stdout: string[] }).stdout;

    it('reads with tables, selectors and paging', () => {
      const nodes = (step('get nodes').out as { rows: string[][] }).rows;
      expect(nodes[0]).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE']);
      expect(nodes.slice(1).map((r) => r.slice(0, 2))).toEqual([
        [NODES.a, 'Ready'],
        [NODES.b, 'Ready'],
        [NODES.c, 'Ready'],
      ]);
      expect(stdout('get nodes -l pool=blue')).toEqual([`node/${NODES.a}`, `node/${NODES.b}`]);
      expect(stdout('get nodes -l set-based')).toEqual([`node/${NODES.a}`, `node/${NODES.b}`]);
      expect(stdout('get nodes -l gpu')).toEqual([`node/${NODES.c}`]);
      expect(stdout('get nodes --field-selector metadata.name')).toEqual([`node/${NODES.b}`]);
      expect(step('get nodes --field-selector bad').code).toBe(1);
      const paged = step('get pods --chunk-size=2').out as { rows: string[][]; requests: string[] };
      expect(paged.rows).toHaveLength(8);
      // 7 pods, two per page: four requests, the last three carrying a continue token.
      expect(paged.requests).toHaveLength(4);
      expect(paged.requests.filter((r) => r.includes('continue=<token>'))).toHaveLength(3);
      const all = step('get pods -A --chunk-size=1 -l app=web').out as {
        names: string[];
        requests: string[];
      };
      expect(all.names).toHaveLength(5);
      expect(all.requests).toHaveLength(5);
      expect(stdout('get pods --field-selector spec.nodeName')).toEqual([
        'pod/agent-a1',
        'pod/cache-a1',
        'pod/web-a1',
      ]);
      expect(stdout('get pods --field-selector and -l')).toEqual(['pod/web-b1', 'pod/web-b2', 'pod/web-c1']);
      expect(step('describe node').code).toBe(0);
      expect((step('describe node').out as { text: string }).text).toContain(`Name: | ${NODES.a}`);
    });

    it('labels, taints with two effects, cordons, drains and uncordons', () => {
      expect(stdout('label node')).toEqual([`node/${NODES.a} labeled`]);
      expect(step('label node without --overwrite').code).toBe(1);
      expect(stdout('label nodes by selector')).toEqual([
        `node/${NODES.a} labeled`,
        `node/${NODES.b} labeled`,
      ]);
      expect(stdout('remove label')).toEqual([`node/${NODES.a} unlabeled`]);
      expect(step('label node invalid').code).not.toBe(0);
      expect(stdout('taint NoSchedule')).toEqual([`node/${NODES.b} tainted`]);
      expect(stdout('taint NoExecute same key')).toEqual([`node/${NODES.b} tainted`]);
      expect(step('taint again without --overwrite').code).toBe(1);
      const taints = JSON.parse(stdout('taints after two effects')[0]!) as Array<{ effect: string }>;
      expect(taints.map((x) => x.effect).sort()).toEqual(['NoExecute', 'NoSchedule']);
      expect(JSON.parse(stdout('taints after untaint')[0]!)).toEqual([
        { key: 'dedicated', value: 'infra', effect: 'NoExecute' },
      ]);
      expect(step('untaint missing').code).toBe(1);
      expect(stdout('cordon')).toEqual([`node/${NODES.a} cordoned`]);
      expect(stdout('cordon again')).toEqual([`node/${NODES.a} already cordoned`]);
      const cordoned = (step('get nodes after cordon').out as { rows: string[][] }).rows;
      expect(cordoned[1]!.slice(0, 2)).toEqual([NODES.a, 'Ready,SchedulingDisabled']);
      expect(step('drain refused without flags').code).toBe(1);
      expect(step('drain --dry-run=server').code).toBe(0);
      expect(stdout('pods after server dry run')).toEqual(['pod/agent-a1', 'pod/cache-a1', 'pod/web-a1']);
      expect(step('drain').code).toBe(0);
      expect(stdout('drain')).toEqual(
        expect.arrayContaining([`node/${NODES.a} drained`, 'pod/cache-a1 evicted', 'pod/web-a1 evicted']),
      );
      expect(stdout('pods after drain')).toEqual(['pod/agent-a1']);
      expect(stdout('uncordon')).toEqual([`node/${NODES.a} uncordoned`]);
      expect(stdout('uncordon again')).toEqual([`node/${NODES.a} already uncordoned`]);
    });

    it('watches: the current pods, then the change made while watching', () => {
      const rows = step('get pods -w').out as string[][];
      expect(rows[0]).toEqual(['EVENT', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
      expect(rows.slice(1, 4).map((r) => `${r[0]} ${r[1]}`)).toEqual([
        'ADDED web-b1',
        'ADDED web-b2',
        'ADDED web-c1',
      ]);
      expect(`${rows[4]![0]} ${rows[4]![1]}`).toBe('MODIFIED web-b1');
    });
  });

  it.skipIf(!realAvailable)('prints the same on the simulator as on kube-apiserver, step by step', () => {
    const sim = transcripts.get('sim')!;
    const real = transcripts.get('kube-apiserver')!;
    expect([...sim.keys()]).toEqual([...real.keys()]);
    const diverging: string[] = [];
    for (const [name, r] of real) {
      const s = sim.get(name)!;
      if (JSON.stringify(s) !== JSON.stringify(r)) diverging.push(name);
    }
    // Step by step, so a failure names the command and shows both outputs.
    for (const name of diverging)
      expect({ step: name, ...sim.get(name)! }).toEqual({ step: name, ...real.get(name)! });
    expect(diverging).toEqual([]);
  });
});

// The simulator's metrics.k8s.io against the published API types (k8s.io/metrics, pkg/apis/metrics/v1beta1/
// types.go, from the Go module cache): every field the simulator sends exists there under that JSON name, every
// field without omitempty is sent, and usage values are Kubernetes quantities. Not yet against a real
// metrics-server: it scrapes each kubelet's /metrics/resource, which kwok's emulated kubelets serve only when its
// metrics emulation is configured (kwok's Metric and ResourceUsage resources, kustomize/metrics/resource); the
// real-control-plane tier does not build metrics-server nor configure that yet, so the published types stand in.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimServer } from '../../src/sim/index.js';
import { api } from '../sim/helpers.js';

const VERSION = process.env.KNM_METRICS_TYPES_VERSION ?? 'v0.34.4';

function typesFile(): string | undefined {
  let modcache = process.env.GOMODCACHE;
  if (!modcache) {
    try {
      modcache = execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim();
    } catch {
      return undefined;
    }
  }
  const f = path.join(modcache, `k8s.io/metrics@${VERSION}`, 'pkg/apis/metrics/v1beta1/types.go');
  return fs.existsSync(f) ? f : undefined;
}

/** Go struct name → its JSON fields (name → omitempty?), inline TypeMeta expanded. */
function goStructs(src: string): Map<string, Map<string, boolean>> {
  const out = new Map<string, Map<string, boolean>>();
  for (const m of src.matchAll(/^type (\w+) struct \{([\s\S]*?)^\}/gm)) {
    const fields = new Map<string, boolean>();
    for (const f of m[2]!.matchAll(/^\s*(\w[\w.]*)(?:\s+[\w.[\]]+)?\s+`json:"([^"]*)"/gm)) {
      const [name, ...opts] = f[2]!.split(',');
      if (opts.includes('inline')) {
        if (f[1] === 'metav1.TypeMeta') {
          fields.set('kind', true);
          fields.set('apiVersion', true);
        }
        continue;
      }
      fields.set(name!, opts.includes('omitempty'));
    }
    out.set(m[1]!, fields);
  }
  return out;
}

const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;
const file = typesFile();
let sim: SimServer;

beforeAll(async () => {
  sim = await startSim({ nodes: 3, podsPerNode: 4 });
});
afterAll(() => sim.close());

describe.skipIf(!file)(`simulated metrics.k8s.io against k8s.io/metrics@${VERSION} types`, () => {
  const structs = () => goStructs(fs.readFileSync(file!, 'utf8'));

  function conforms(obj: Record<string, unknown>, struct: string): void {
    const fields = structs().get(struct)!;
    expect(fields, struct).toBeDefined();
    for (const k of Object.keys(obj)) expect([...fields.keys()], `${struct}.${k}`).toContain(k);
    for (const [k, omitempty] of fields)
      if (!omitempty && k !== 'kind' && k !== 'apiVersion') expect(obj, `${struct}.${k}`).toHaveProperty(k);
  }

  it('NodeMetricsList and NodeMetrics have exactly the published fields', async () => {
    const list = (await api(sim, 'GET', '/apis/metrics.k8s.io/v1beta1/nodes')).body;
    conforms(list, 'NodeMetricsList');
    expect(list.items.length).toBe(3);
    for (const item of list.items) {
      conforms(item, 'NodeMetrics');
      expect(Object.keys(item.usage).sort()).toEqual(['cpu', 'memory']);
      for (const q of Object.values(item.usage)) expect(q).toMatch(QUANTITY);
      // metav1.Duration marshals as a Go duration string; metav1.Time as RFC 3339.
      expect(item.window).toMatch(/^\d+(\.\d+)?(ms|s|m)$/);
      expect(new Date(item.timestamp).toISOString().slice(0, 19)).toBe(item.timestamp.slice(0, 19));
    }
  });

  it('PodMetricsList, PodMetrics and ContainerMetrics have exactly the published fields', async () => {
    const list = (await api(sim, 'GET', '/apis/metrics.k8s.io/v1beta1/pods')).body;
    conforms(list, 'PodMetricsList');
    expect(list.items.length).toBeGreaterThan(0);
    for (const item of list.items) {
      conforms(item, 'PodMetrics');
      for (const c of item.containers) {
        conforms(c, 'ContainerMetrics');
        for (const q of Object.values(c.usage as Record<string, string>)) expect(q).toMatch(QUANTITY);
      }
    }
  });
});

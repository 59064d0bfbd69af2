import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import type { NodeRow } from '../api/types';
import { COLUMNS, renderContext } from './columns';
import { NodeRowCells, rowColumnStyle, type RowColumn } from './NodeRowCells';

const row: NodeRow = {
  key: 'prod/node-a',
  cluster: 'prod',
  name: 'node-a',
  uid: 'u1',
  resourceVersion: '7',
  status: 'NotReady',
  schedulable: false,
  unschedulable: true,
  cordon: { reason: 'disk errors', by: 'alice', at: '2024-05-01T10:00:00Z' },
  roles: ['worker'],
  internalIP: '10.0.0.5',
  labels: { 'topology.kubernetes.io/zone': 'a', team: 'infra', 'kubernetes.io/hostname': 'node-a' },
  taints: [{ key: 'maintenance', effect: 'NoExecute' }],
  capacity: { cpu: '8', memory: '32Gi', pods: '110' },
  allocatable: { cpu: '7800m', memory: '30Gi', pods: '110' },
  podCount: 12,
  kubeletVersion: 'v1.31.4',
  createdAt: '2024-04-01T00:00:00Z',
  conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'PLEG is not healthy' }],
};

const t = (k: string) =>
  ({ 'status.NotReady': 'NotReady', 'nodes.cordoned': 'Cordoned', 'nodes.cordonBy': 'By' })[k] ?? k;
const columns: RowColumn[] = [
  { def: 'select', key: 'select', style: rowColumnStyle(44) },
  ...COLUMNS.map((c) => ({ def: c, key: c.id, style: rowColumnStyle(c.width, c.flexGrow) })),
];

function render(props: Partial<{ selected: boolean; onToggle: (k: string, on: boolean) => void }> = {}) {
  return mount(NodeRowCells, {
    props: {
      row,
      columns,
      ctx: renderContext(t, () => undefined, Date.parse('2024-05-02T00:00:00Z')),
      ...props,
    },
  });
}

describe('node row cells', () => {
  it('shows status, cordon reason with who and when on hover, taints, key labels and live pods', () => {
    const w = render();
    expect(w.find('[data-testid="node-status"]').text()).toBe('NotReady');
    expect(w.find('[data-testid="node-status"]').attributes('title')).toContain('PLEG is not healthy');
    expect(w.find('[data-testid="cordon-reason"]').text()).toBe('disk errors');
    const hover = w.find('[data-testid="node-schedulable"]').attributes('title')!;
    expect(hover).toContain('alice');
    expect(hover).toContain('2024-05-01');
    expect(w.find('[data-testid="node-taints"]').attributes('title')).toBe('maintenance:NoExecute');
    const labels = w.find('[data-testid="node-labels"]').text();
    expect(labels).toContain('zone=a');
    expect(labels).toContain('team=infra');
    expect(labels).not.toContain('hostname');
    expect(w.find('[data-testid="node-pods"]').text()).toBe('12 / 110');
    expect(w.text()).toContain('31d'); // age
  });

  it('shortens long chips to their column and keeps the full text on hover', () => {
    const long = {
      ...row,
      taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' as const }, row.taints[0]!],
    };
    const w = mount(NodeRowCells, {
      props: { row: long, columns, ctx: renderContext(t, () => undefined, Date.now()) },
    });
    const cell = w.find('[data-testid="node-taints"]');
    expect(cell.text()).toMatch(/^node\.kubernetes\.io\/.*…\+1$/);
    expect(cell.attributes('title')).toBe(
      'node.kubernetes.io/unschedulable:NoSchedule\nmaintenance:NoExecute',
    );
  });

  it('shows markup in node data as text, never as HTML', () => {
    const evil = {
      ...row,
      name: 'n"><b>x',
      cordon: { reason: '<img src=x onerror="alert(1)">', by: '"><script>', at: undefined },
      labels: { team: '<i>t</i>' },
    };
    const w = mount(NodeRowCells, {
      props: { row: evil, columns, ctx: renderContext(t, () => undefined, Date.now()) },
    });
    expect(w.find('img').exists()).toBe(false);
    expect(w.find('script').exists()).toBe(false);
    expect(w.find('b').exists()).toBe(false);
    expect(w.find('[data-testid="cordon-reason"]').text()).toBe('<img src=x onerror="alert(1)">');
    expect(w.find('[data-testid="node-name"]').text()).toBe('n"><b>x');
    expect(w.find('[data-testid="node-schedulable"]').attributes('title')).toContain('"><script>');
  });

  it('opens the node from its name', async () => {
    const opened: string[] = [];
    const w = mount(NodeRowCells, {
      props: { row, columns, ctx: renderContext(t, (n) => opened.push(n.name), Date.now()) },
    });
    await w.find('[data-testid="node-name"]').trigger('click');
    expect(opened).toEqual(['node-a']);
  });

  it('lays cells out with the header widths', () => {
    const cells = render().findAll('[role="cell"]');
    expect(cells).toHaveLength(columns.length);
    expect(cells[0]!.attributes('style')).toContain('width: 44px');
    // The name column takes the spare width, like its header cell.
    expect(cells[2]!.attributes('style')).toMatch(/flex: 1 1 auto|flex-grow: 1/);
    expect(cells[2]!.attributes('style')).toContain('width: 240px');
  });

  it('reports checkbox changes with the row key', async () => {
    const calls: [string, boolean][] = [];
    const w = render({ selected: false, onToggle: (k, on) => calls.push([k, on]) });
    await w.find('input[data-testid="node-select"]').setValue(true);
    expect(calls).toEqual([['prod/node-a', true]]);
  });

  it('rewrites only the cells that changed when the same node changes', async () => {
    const w = render();
    const before = w.findAll('[role="cell"]').map((c) => c.element.firstElementChild);
    const pods = w.find('[data-testid="node-pods"]').element;
    await w.setProps({ row: { ...row, podCount: 13 } });
    expect(w.find('[data-testid="node-pods"]').text()).toBe('13 / 110');
    expect(w.find('[data-testid="node-pods"]').element).not.toBe(pods);
    const after = w.findAll('[role="cell"]').map((c) => c.element.firstElementChild);
    const kept = after.filter((el, i) => el === before[i]).length;
    // Every cell but the pod count keeps its elements (hovered titles, text selection and layout stay put).
    expect(kept).toBe(columns.length - 1);
  });

  it('lays the row out again when its columns change', async () => {
    const w = render();
    await w.setProps({ columns: columns.filter((c) => c.key !== 'pods') });
    expect(w.findAll('[role="cell"]')).toHaveLength(columns.length - 1);
    expect(w.find('[data-testid="node-pods"]').exists()).toBe(false);
    expect(w.find('[data-testid="node-name"]').text()).toBe('node-a');
  });
});

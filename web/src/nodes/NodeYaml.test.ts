// The drawer's YAML tab: the node detail the server serves, read-only, copied whole.
import { describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createI18n } from 'vue-i18n';
import { load } from 'js-yaml';
import en from '../i18n/en';
import { installElement } from '../element';
import type { NodeDetailAnswer } from '../api/endpoints';
import NodeYaml from './NodeYaml.vue';

const detail: NodeDetailAnswer = {
  cluster: 'prod',
  name: 'web-1',
  uid: 'u1',
  resourceVersion: '42',
  status: 'Ready',
  schedulable: false,
  unschedulable: true,
  cordon: { reason: 'kernel: 6.1 "lts"', by: 'alice' },
  roles: ['worker'],
  labels: { 'topology.kubernetes.io/zone': 'eu-1a' },
  taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }],
  capacity: { cpu: '4', memory: '16Gi' },
  allocatable: { cpu: '3900m', memory: '15Gi' },
  podCount: 7,
  createdAt: '2026-01-01T00:00:00Z',
  conditions: [],
  annotations: { 'example.com/long': 'x'.repeat(300) },
  addresses: [{ type: 'InternalIP', address: '10.0.0.1' }],
  systemInfo: { kernelVersion: '6.1.0' },
  source: 'direct',
  degraded: true,
};

describe('node YAML view', () => {
  it('shows the node as YAML that reads back to the same node, without how it was served', async () => {
    const writeText = vi.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const i18n = createI18n({ legacy: false, locale: 'en', messages: { en } });
    const w = mount(NodeYaml, {
      props: { detail },
      global: { plugins: [i18n, { install: installElement }] },
    });
    const text = w.get('[data-testid="node-yaml"]').text();
    expect(text).toContain('name: web-1');
    expect(text).toContain('topology.kubernetes.io/zone: eu-1a');
    const parsed = load(text) as Record<string, unknown>;
    const { source: _s, degraded: _d, ...node } = detail;
    expect(parsed).toEqual(node);
    expect(w.find('textarea, input').exists()).toBe(false);

    await w.get('[data-testid="node-yaml-copy"]').trigger('click');
    await flushPromises();
    expect(writeText).toHaveBeenCalledWith(w.get('[data-testid="node-yaml"]').element.textContent);
    expect(load(writeText.mock.calls[0]![0] as string)).toEqual(node);
    expect(w.get('[data-testid="node-yaml-copy"]').text()).toBe('Copied');
    w.unmount();
  });
});

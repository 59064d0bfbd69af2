// What the banners above the node table tell a user about data that may not be the live truth, in scope only.
import { afterEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { createI18n } from 'vue-i18n';
import en from '../i18n/en';
import { installElement } from '../element';
import type { ClusterInfo } from '../api/types';
import { clusterStore } from '../stores/clusters';
import NodeBanners from './NodeBanners.vue';
import type { NodeListState } from './useNodeList';

const listState = (over: Partial<NodeListState> = {}): NodeListState => ({
  loading: false,
  loaded: true,
  error: '',
  degraded: false,
  source: 'cache',
  clusters: {},
  errors: {},
  ...over,
});

function render(props: { scope: string; listState: NodeListState; socketDown: boolean }) {
  const i18n = createI18n({ legacy: false, locale: 'en', messages: { en } });
  return mount(NodeBanners, { props, global: { plugins: [i18n, { install: installElement }] } });
}
const banners = (w: ReturnType<typeof render>) =>
  w
    .findAll('[data-testid^="banner-"]')
    .map((a) => `${a.attributes('data-testid')}: ${a.find('.el-alert__title').text()}`);

afterEach(() => {
  clusterStore.items = [];
});

describe('node banners', () => {
  it('shows nothing while every cluster in view is synced and served live', () => {
    clusterStore.items = [{ name: 'prod', state: 'synced' } as ClusterInfo];
    expect(banners(render({ scope: '', listState: listState(), socketDown: false }))).toEqual([]);
  });

  it('says why, in order: socket down, direct reads, each troubled cluster, unreadable clusters, missing usage', () => {
    clusterStore.items = [
      { name: 'lab', state: 'unreachable', lastError: 'dial tcp: i/o timeout' } as ClusterInfo,
      {
        name: 'prod',
        state: 'synced',
        usage: { available: false, reason: 'metrics.k8s.io not served' },
      } as ClusterInfo,
    ];
    const w = render({
      scope: '',
      listState: listState({ source: 'direct', degraded: true, errors: { edge: 'forbidden' } }),
      socketDown: true,
    });
    expect(banners(w)).toEqual([
      'banner-socket: ' + en.nodes.liveDown,
      'banner-direct: ' + en.nodes.sourceDirect,
      'banner-cluster: Cluster lab is unreachable: showing the last known state',
      'banner-unreadable: Cluster edge could not be read: its nodes are missing from this list',
      'banner-usage: No usage for cluster prod',
    ]);
    expect(w.text()).toContain('dial tcp: i/o timeout');
    expect(w.text()).toContain('metrics.k8s.io not served');
  });

  it("leaves out other clusters' trouble when one cluster is in view, and says degraded when no cluster explains it", () => {
    clusterStore.items = [
      { name: 'lab', state: 'degraded' } as ClusterInfo,
      { name: 'prod', state: 'synced' } as ClusterInfo,
    ];
    const w = render({ scope: 'prod', listState: listState({ degraded: true }), socketDown: false });
    expect(banners(w)).toEqual([
      'banner-degraded: Some clusters are degraded: their nodes are read directly from the API and may lag.',
    ]);
  });
});

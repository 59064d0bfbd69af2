// A cluster whose own RBAC does not let the signed-in user list nodes says so on the Nodes page (the socket
// sends the reason instead of a snapshot), and the note goes once the cluster's nodes arrive.
import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { nextTick } from 'vue';
import { createI18n } from 'vue-i18n';
import en from '../i18n/en';
import { installElement } from '../element';
import { noteRefusal } from '../live/refusals';
import type { ServerMessage } from '../api/types';
import ClusterRefusals from './ClusterRefusals.vue';

describe('ClusterRefusals', () => {
  it('shows the cluster’s reason until a snapshot of it arrives', async () => {
    const i18n = createI18n({ legacy: false, locale: 'en', messages: { en } });
    const w = mount(ClusterRefusals, { global: { plugins: [i18n, { install: installElement }] } });
    expect(w.find('[data-testid="cluster-refused"]').exists()).toBe(false);

    const reason = 'cluster "prod" does not let alice list nodes (its own RBAC decides on this cluster)';
    noteRefusal({ type: 'error', cluster: 'prod', message: reason });
    noteRefusal({ type: 'error', message: 'messages must be JSON' });
    await nextTick();
    const shown = w.findAll('[data-testid="cluster-refused"]');
    expect(shown).toHaveLength(1);
    expect(shown[0]!.text()).toContain('Cluster prod shows you no nodes');
    expect(shown[0]!.text()).toContain(reason);

    noteRefusal({ type: 'snapshot', cluster: 'prod', version: 1, items: [] } as unknown as ServerMessage);
    await nextTick();
    expect(w.find('[data-testid="cluster-refused"]').exists()).toBe(false);
  });
});

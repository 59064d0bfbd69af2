// The filter lists build their panels only when opened (a mounted panel costs the page's start), yet a closed
// list still names what is chosen in the user's language, and opening one still offers every choice.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { createI18n } from 'vue-i18n';
import en from '../i18n/en';
import zhCN from '../i18n/zh-CN';
import { installElement } from '../element';
import NodeFilterBar from './NodeFilterBar.vue';
import { compileFilter, emptyFilter, type NodeFilter } from './filter';

let wrapper: VueWrapper | null = null;
afterEach(() => {
  wrapper?.unmount();
  wrapper = null;
  document.body.innerHTML = '';
});

function render(locale: 'en' | 'zh-CN') {
  const i18n = createI18n({ legacy: false, locale, messages: { en, 'zh-CN': zhCN } });
  const filter: NodeFilter = { ...emptyFilter(), status: ['NotReady'], schedulable: 'false', role: 'gpu' };
  wrapper = mount(NodeFilterBar, {
    props: { scope: 'prod', filter, compiled: compileFilter(filter), hasFilter: true },
    global: { plugins: [i18n, { install: installElement }] },
    attachTo: document.body,
  });
  return wrapper;
}
const shownIn = (w: VueWrapper, testid: string) =>
  w.find(`[data-testid="${testid}"] .el-select__selection`).text().replace(/\s+/g, ' ').trim();
const options = () =>
  [...document.querySelectorAll('.el-select-dropdown__item')].map((e) => e.textContent?.trim());

describe('node filter lists', () => {
  it('show the chosen values by their translated names while closed, with no panel built', async () => {
    const w = render('zh-CN');
    await flushPromises();
    expect(shownIn(w, 'filter-status')).toBe('未就绪');
    expect(shownIn(w, 'filter-schedulable')).toBe('已禁止调度');
    expect(shownIn(w, 'cluster-scope')).toBe('prod');
    expect(shownIn(w, 'filter-role')).toBe('gpu');
    expect(document.querySelector('.el-select-dropdown')).toBeNull();
  });

  it('builds a list’s panel with every choice when it is opened', async () => {
    const w = render('en');
    await flushPromises();
    expect(shownIn(w, 'filter-status')).toBe('NotReady');
    await w.find('[data-testid="filter-status"] .el-select__wrapper').trigger('click');
    await vi.waitFor(() => expect(options()).toEqual(['Ready', 'NotReady', 'Unknown']));
  });

  it('marks each expression that does not parse, and only that one', async () => {
    const i18n = createI18n({ legacy: false, locale: 'en', messages: { en } });
    const filter: NodeFilter = { ...emptyFilter(), labelSelector: 'zone in (a', taint: 'gpu:NoSchedule' };
    const compiled = compileFilter(filter);
    expect(compiled.errors.labelSelector).toBeTruthy();
    wrapper = mount(NodeFilterBar, {
      props: { scope: '', filter, compiled, hasFilter: true },
      global: { plugins: [i18n, { install: installElement }] },
      attachTo: document.body,
    });
    await flushPromises();
    const invalid = (id: string) =>
      wrapper!.find(`[data-testid="${id}"]`).element.closest('.el-input')!.classList.contains('is-invalid');
    expect([invalid('filter-selector'), invalid('filter-taint'), invalid('filter-usage')]).toEqual([
      true,
      false,
      false,
    ]);
    expect((wrapper.find('[data-testid="filter-selector"]').element as HTMLInputElement).value).toBe(
      'zone in (a',
    );
  });
});

/** Light/dark: Element Plus switches its CSS variables on `html.dark`; the choice persists per browser. */
import { ref, watch } from 'vue';

const KEY = 'knm.theme';

function initial(): 'light' | 'dark' {
  const saved = localStorage.getItem(KEY);
  if (saved === 'light' || saved === 'dark') return saved;
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export const theme = ref<'light' | 'dark'>(initial());

function apply(t: 'light' | 'dark') {
  document.documentElement.classList.toggle('dark', t === 'dark');
}

apply(theme.value);
watch(theme, (t) => {
  localStorage.setItem(KEY, t);
  apply(t);
});

export function toggleTheme(): void {
  theme.value = theme.value === 'dark' ? 'light' : 'dark';
}

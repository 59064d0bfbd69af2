/**
 * A minimal hash router: `#/path?query`. Enough for a handful of screens without another dependency;
 * hash URLs also survive being served as static files with no server-side fallback.
 */
import { reactive, readonly } from 'vue';

export interface Route {
  path: string;
  query: Record<string, string>;
}

function parse(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const q = raw.indexOf('?');
  const path = (q >= 0 ? raw.slice(0, q) : raw) || '/';
  const query: Record<string, string> = {};
  if (q >= 0) new URLSearchParams(raw.slice(q + 1)).forEach((v, k) => (query[k] = v));
  return { path, query };
}

export function format(path: string, query: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, v);
  const s = params.toString();
  return `#${path}${s ? `?${s}` : ''}`;
}

const state = reactive<Route>(parse(typeof location !== 'undefined' ? location.hash : ''));

if (typeof window !== 'undefined') {
  window.addEventListener('hashchange', () => Object.assign(state, parse(location.hash)));
}

export const route = readonly(state);

export function navigate(
  path: string,
  query: Record<string, string | undefined> = {},
  replace = false,
): void {
  const target = format(path, query);
  if (target === location.hash) return;
  if (replace) {
    history.replaceState(history.state, '', target);
    Object.assign(state, parse(target));
  } else {
    location.hash = target;
    // hashchange fires asynchronously; update now so the next render already sees the new route.
    Object.assign(state, parse(target));
  }
}

/** Change only the query of the current path without adding a history entry (filters, selected tab). */
export function setQuery(query: Record<string, string | undefined>): void {
  navigate(state.path, query, true);
}

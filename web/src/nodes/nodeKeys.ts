/**
 * Keyboard commands on the Nodes page in the spirit of k9s: `/` search, j/k (or the arrow keys) move the
 * highlighted row, c cordons it, d opens its drain preview, `?` lists the keys. They never fire while the
 * user types in a field, holds a modifier, or has a dialog open, so they cannot steal a letter or act on
 * the wrong node.
 */
import { onBeforeUnmount, onMounted, ref } from 'vue';
import type { NodeRow } from '../api/types';

export type NodeKeyCommand = 'search' | 'down' | 'up' | 'cordon' | 'drain' | 'open' | 'help';

/** The keys as the help sheet lists them. */
export const NODE_KEYS: { keys: string; command: NodeKeyCommand }[] = [
  { keys: '/', command: 'search' },
  { keys: 'j  ↓', command: 'down' },
  { keys: 'k  ↑', command: 'up' },
  { keys: 'Enter', command: 'open' },
  { keys: 'c', command: 'cordon' },
  { keys: 'd', command: 'drain' },
  { keys: '?', command: 'help' },
];

const BY_KEY: Record<string, NodeKeyCommand> = {
  '/': 'search',
  j: 'down',
  ArrowDown: 'down',
  k: 'up',
  ArrowUp: 'up',
  Enter: 'open',
  c: 'cordon',
  d: 'drain',
  '?': 'help',
};

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || typeof el.closest !== 'function') return false;
  return !!el.closest(
    'input, textarea, select, [contenteditable=""], [contenteditable="true"], [role="combobox"]',
  );
}

/** Element keeps a closed dialog's or drawer's overlay in the page, hidden: only a shown one counts. */
function overlayShown(): boolean {
  for (const el of document.querySelectorAll<HTMLElement>('.el-overlay'))
    if (el.style.display !== 'none') return true;
  return false;
}

/** Which command a key press means here, or null when it belongs to something else. */
export function nodeKeyCommand(e: KeyboardEvent): NodeKeyCommand | null {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return null;
  if (typing(e.target)) return null;
  // A focused button or link answers Enter itself.
  if (
    e.key === 'Enter' &&
    (e.target as HTMLElement | null)?.closest?.('button, a, [role="button"], [tabindex]:not(.knm-vt)')
  )
    return null;
  if (overlayShown()) return null;
  return BY_KEY[e.key] ?? null;
}

export function useNodeKeys(opts: {
  rows: { readonly value: readonly NodeRow[] };
  canOperate: () => boolean;
  focusSearch: () => void;
  reveal: (index: number) => void;
  open: (n: NodeRow) => void;
  act: (kind: 'cordon' | 'drain', n: NodeRow) => void;
}) {
  const highlightedKey = ref<string | null>(null);
  const helpOpen = ref(false);

  const current = (): { index: number; row?: NodeRow } => {
    const rows = opts.rows.value;
    const index = highlightedKey.value ? rows.findIndex((n) => n.key === highlightedKey.value) : -1;
    return { index, row: index >= 0 ? rows[index] : undefined };
  };

  function move(delta: number) {
    const rows = opts.rows.value;
    if (!rows.length) return;
    const { index } = current();
    const next = index < 0 ? 0 : Math.max(0, Math.min(rows.length - 1, index + delta));
    highlightedKey.value = rows[next]!.key!;
    opts.reveal(next);
  }

  function onKey(e: KeyboardEvent) {
    const cmd = nodeKeyCommand(e);
    if (!cmd) return;
    const { row } = current();
    if (cmd === 'search') opts.focusSearch();
    else if (cmd === 'down') move(1);
    else if (cmd === 'up') move(-1);
    else if (cmd === 'help') helpOpen.value = true;
    else if (!row) return;
    else if (cmd === 'open') opts.open(row);
    else if (!opts.canOperate()) return;
    else opts.act(cmd, row);
    e.preventDefault();
  }

  onMounted(() => window.addEventListener('keydown', onKey));
  onBeforeUnmount(() => window.removeEventListener('keydown', onKey));
  return { highlightedKey, helpOpen };
}

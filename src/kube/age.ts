/**
 * kubectl's human duration (45s, 12m, 5h, 3d, 2y). No imports: the simulator's tables and the console's
 * columns both use it, so an age reads the same in `kubectl get` and on the node screen.
 */
export function humanAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

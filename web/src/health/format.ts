/** Durations and shares as the health screens show them. */

/** 3 d 4 h, 2 h 5 m, 4 m 10 s, 12 s. */
export function formatDuration(ms: number | undefined | null): string {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return '–';
  const s = Math.max(0, Math.round(ms / 1000));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d) return `${d} d ${h} h`;
  if (h) return `${h} h ${m} m`;
  if (m) return `${m} m ${sec} s`;
  return `${sec} s`;
}

/** 0.99951 → "99.95 %": availability needs two decimals to tell good from bad. */
export function formatShare(v: number): string {
  return `${(Math.floor(v * 10_000) / 100).toFixed(2)} %`;
}

/** Where an interval sits on a timeline from `fromMs` to `toMs`, as CSS percentages (at least a sliver). */
export function barPlacement(
  startMs: number,
  endMs: number,
  fromMs: number,
  toMs: number,
): { left: string; width: string } {
  const span = Math.max(1, toMs - fromMs);
  const a = Math.min(Math.max(startMs, fromMs), toMs);
  const b = Math.min(Math.max(endMs, fromMs), toMs);
  const left = ((a - fromMs) / span) * 100;
  const width = Math.max(0.25, ((b - a) / span) * 100);
  return { left: `${left.toFixed(3)}%`, width: `${Math.min(width, 100 - left).toFixed(3)}%` };
}

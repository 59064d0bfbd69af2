/**
 * The Nodes page's "Maintain…" action: the Maintenance page's compose form, prefilled with the selected
 * nodes. The form plans one cluster, so a selection spanning several has no link (the action says why).
 */
export function maintenanceQuery(
  rows: readonly { cluster: string; name: string }[],
): { cluster: string; nodes: string } | undefined {
  const cluster = rows[0]?.cluster;
  if (cluster === undefined || rows.some((r) => r.cluster !== cluster)) return undefined;
  return { cluster, nodes: rows.map((r) => r.name).join(',') };
}

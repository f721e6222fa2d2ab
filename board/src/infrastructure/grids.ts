import type { GridOutage, Resource } from '../api/types';
import { formatDuration } from '../ui/format';

/** How long ago `iso` was, as the Infrastructure page says it: `4 s ago`, `3 min ago`, `2 h ago`, `5 d ago`. */
export function timeAgo(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) return 'never';
  const seconds = Math.max(0, Math.round((now.getTime() - new Date(iso).getTime()) / 1000));
  if (seconds < 120) return `${seconds} s ago`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

/** `1 / 2` free of total slots, from the last check that reached the Grid; `—` when none did. */
export function slotsLabel(grid: Resource): string {
  const health = grid.check?.health;
  return health ? `${health.slots_free} / ${health.slots_total}` : '—';
}

/** Each browser the Grid offers as `chrome 156.0 (1 / 2 free)`. */
export function browserLabels(grid: Resource): string[] {
  return (grid.check?.health?.browsers ?? []).map((b) => `${b.name}${b.version ? ` ${b.version}` : ''} (${b.slots_free} / ${b.slots_total} free)`);
}

/** `yes`, `no`, or `—` when no check reached the Grid. */
export function readyLabel(grid: Resource): string {
  const health = grid.check?.health;
  if (!health) return '—';
  return health.ready ? 'yes' : 'no';
}

/** How long an outage lasted; an ongoing one, how long it has lasted so far. */
export function outageDuration(outage: GridOutage, now: Date = new Date()): string {
  if (outage.ended_at) return formatDuration(outage.duration_seconds);
  return `${formatDuration(Math.max(0, Math.round((now.getTime() - new Date(outage.started_at).getTime()) / 1000)))} so far`;
}

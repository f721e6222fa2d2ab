import type { RunSchedule, RunScheduleInput } from '../api/client';

/** What the schedule form holds: a cron expression or an interval in minutes, hours or days. */
export interface ScheduleFormValues {
  suiteId: number | null;
  environmentId: number | null;
  mode: 'cron' | 'every';
  cron: string;
  every: number;
  unit: 'm' | 'h' | 'd';
  timezone: string;
  branch: string;
  paused: boolean;
}

const UNIT_SECONDS = { m: 60, h: 3600, d: 86_400 } as const;

/** When a schedule fires, in one short text: its cron expression, or `every 1h`. */
export function timingText(schedule: Pick<RunSchedule, 'cron' | 'interval_seconds'>): string {
  if (schedule.cron) return schedule.cron;
  const seconds = schedule.interval_seconds ?? 0;
  const unit = (['d', 'h', 'm'] as const).find((u) => seconds % UNIT_SECONDS[u] === 0);
  return unit ? `every ${seconds / UNIT_SECONDS[unit]}${unit}` : `every ${seconds}s`;
}

/** The suite to create under and the body to send, or null while the form names no suite or environment. */
export function scheduleRequest(values: ScheduleFormValues): { suiteId: number; body: RunScheduleInput } | null {
  if (values.suiteId === null || values.environmentId === null) return null;
  const timing = values.mode === 'cron' ? { cron: values.cron.trim() } : { interval_seconds: Math.round(values.every * UNIT_SECONDS[values.unit]) };
  return {
    suiteId: values.suiteId,
    body: {
      ...timing,
      environment_id: values.environmentId,
      timezone: values.timezone.trim() || 'UTC',
      ...(values.branch.trim() && { branch: values.branch.trim() }),
      paused: values.paused,
    },
  };
}

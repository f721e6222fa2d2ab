import type { RunSchedule } from '@qatron/domain';
import { iso, isoOrNull } from '../http/pagination.js';
import type { ScheduleOutput } from './schema.js';

/** What a schedule is, as audit entries record it and their diffs compare it (API snake_case). */
export function scheduleSettings(schedule: RunSchedule) {
  return {
    cron: schedule.cron,
    interval_seconds: schedule.intervalSeconds,
    timezone: schedule.timezone,
    environment_id: schedule.environment,
    branch: schedule.branch,
    paused: schedule.paused,
    description: schedule.description,
  };
}

/** A schedule as the API answers it; `nextRunAt` comes from its Temporal Schedule. */
export function scheduleOut(schedule: RunSchedule, names: { suite: string; environment: string }, nextRunAt: Date | null): ScheduleOutput {
  return {
    id: schedule.id,
    organization_id: schedule.organization,
    project_id: schedule.project,
    suite_id: schedule.suite,
    suite_name: names.suite,
    ...scheduleSettings(schedule),
    environment_name: names.environment,
    temporal_schedule_id: schedule.temporalScheduleId ?? '',
    next_run_at: isoOrNull(nextRunAt),
    created_by_name: schedule.createdByName,
    created_at: iso(schedule.createdAt),
    updated_at: iso(schedule.updatedAt),
  };
}

import { defineEntity, p } from '@mikro-orm/core';
import { BaseEntity, baseProperties } from './base.js';
import { Environment } from './environment.js';
import { Organization } from './organization.js';
import { Project } from './project.js';
import { Suite } from './suite.js';
import { User } from './user.js';

/** When a schedule fires: a standard 5-field cron expression, or a fixed interval (exactly one of them). */
export type RunScheduleTiming = { cron: string; intervalSeconds: null } | { cron: null; intervalSeconds: number };

/** The Temporal Schedule that fires run schedule `id` (issue 17 item 2); also the prefix of the workflow ids it starts. */
export const runScheduleTemporalId = (id: number) => `qatron-schedule-${id}`;

/** How a run triggered by schedule `id` names its trigger (`runs.triggered_by_name`) and the audit actor. */
export const runScheduleTrigger = (id: number) => `schedule:${id}`;

/**
 * A suite run against one environment on a timetable (issue 17 item 2): the definition the API
 * and the Board show, and the id of the Temporal Schedule that fires it. The Temporal Schedule
 * is the clock; this row is what a fired schedule reads to trigger its run, so the two are
 * written together (api/src/schedules/service.ts).
 */
export class RunSchedule extends BaseEntity {
  organization: number;
  project: number;
  suite: number;
  environment: number;
  /** Standard 5-field cron (minute hour day-of-month month day-of-week); null for an interval. */
  cron: string | null;
  /** Seconds between runs; null for a cron expression. */
  intervalSeconds: number | null;
  /** IANA time zone the cron expression is read in (e.g. Europe/Berlin). */
  timezone = 'UTC';
  branch: string;
  paused = false;
  description = '';
  /** `qatron-schedule-<id>`, set in the transaction that writes the row. */
  temporalScheduleId: string | null = null;
  /** Null for a service token, or once the user is removed; `createdByName` stays. */
  createdBy: number | null = null;
  createdByName: string;

  constructor(suite: Suite, environment: number, timing: RunScheduleTiming, branch: string, createdBy: { userId: number | null; name: string }) {
    super();
    this.organization = suite.organization;
    this.project = suite.project;
    this.suite = suite.id;
    this.environment = environment;
    this.cron = timing.cron;
    this.intervalSeconds = timing.intervalSeconds;
    this.branch = branch;
    this.createdBy = createdBy.userId;
    this.createdByName = createdBy.name;
  }
}

export const RunScheduleSchema = defineEntity({
  class: RunSchedule,
  tableName: 'run_schedules',
  properties: {
    ...baseProperties,
    organization: p.manyToOne(Organization).mapToPk(),
    // Deleting the suite, environment or project removes the row; the orphaned Temporal Schedule
    // removes itself the next time it fires (activities/src/schedules/trigger.ts).
    project: p.manyToOne(Project).mapToPk().deleteRule('cascade'),
    suite: p.manyToOne(Suite).mapToPk().deleteRule('cascade'),
    environment: p.manyToOne(Environment).mapToPk().deleteRule('cascade'),
    cron: p.string().length(200).nullable(),
    intervalSeconds: p.integer().nullable(),
    timezone: p.string().length(64),
    branch: p.string().length(255),
    paused: p.boolean(),
    description: p.string().length(2000),
    temporalScheduleId: p.string().length(200).nullable().unique(),
    createdBy: p.manyToOne(User).mapToPk().nullable().deleteRule('set null'),
    createdByName: p.string().length(200),
  },
  indexes: [{ properties: ['suite', 'id'] }],
});

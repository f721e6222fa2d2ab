import { describe, expect, it } from 'vitest';
import type { NotificationRules } from '../entities/notification-channel.js';
import { notificationEventFor, type RunVerdict } from './rules.js';

const rules = (on: NotificationRules['on'], suite_ids: number[] = []): NotificationRules => ({ on, suite_ids });
const run = (status: RunVerdict['status'], previousStatus: RunVerdict['previousStatus'] = null, suiteId = 7): RunVerdict => ({ suiteId, status, previousStatus });

describe('notificationEventFor', () => {
  it('sends failure rules every failing verdict and nothing else', () => {
    for (const status of ['failed', 'partial_failed', 'timed_out', 'infra_failed'] as const) {
      expect(notificationEventFor(rules(['failure']), run(status))).toBe('run.failed');
    }
    expect(notificationEventFor(rules(['failure']), run('completed'))).toBeNull();
    expect(notificationEventFor(rules(['failure']), run('cancelled'))).toBeNull();
  });

  it('sends recovery rules a completed run whose previous verdict failed, only that', () => {
    expect(notificationEventFor(rules(['recovery']), run('completed', 'failed'))).toBe('run.recovered');
    expect(notificationEventFor(rules(['recovery']), run('completed', 'infra_failed'))).toBe('run.recovered');
    expect(notificationEventFor(rules(['recovery']), run('completed', 'completed'))).toBeNull();
    expect(notificationEventFor(rules(['recovery']), run('completed', null))).toBeNull();
    expect(notificationEventFor(rules(['recovery']), run('failed', 'failed'))).toBeNull();
    expect(notificationEventFor(rules(['recovery']), run('cancelled', 'failed'))).toBeNull();
  });

  it('sends every_run rules every verdict, cancelled included', () => {
    for (const status of ['completed', 'failed', 'partial_failed', 'timed_out', 'infra_failed', 'cancelled'] as const) {
      expect(notificationEventFor(rules(['every_run']), run(status))).toBe('run.finished');
    }
  });

  it('names a run matching several rules by the most telling one, once', () => {
    const all = rules(['failure', 'recovery', 'every_run']);
    expect(notificationEventFor(all, run('completed', 'failed'))).toBe('run.recovered');
    expect(notificationEventFor(all, run('failed', 'completed'))).toBe('run.failed');
    expect(notificationEventFor(all, run('completed', 'completed'))).toBe('run.finished');
  });

  it('limits a channel with a suite filter to those suites', () => {
    expect(notificationEventFor(rules(['failure'], [7, 9]), run('failed', null, 9))).toBe('run.failed');
    expect(notificationEventFor(rules(['failure'], [7, 9]), run('failed', null, 8))).toBeNull();
    expect(notificationEventFor(rules(['every_run'], [8]), run('completed', null, 7))).toBeNull();
  });
});

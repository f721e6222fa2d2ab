import { describe, expect, it } from 'vitest';
import { Environment } from './entities/environment.js';
import { retentionDueAt } from './retention.js';

describe('retentionDueAt', () => {
  it('adds the retention to completed_at in days of 24 hours (PRD 13.1)', () => {
    const completedAt = new Date('2026-03-01T12:34:56.789Z');
    expect(retentionDueAt(completedAt, 30).toISOString()).toBe('2026-03-31T12:34:56.789Z');
    // Across a daylight-saving change in any zone, still exactly 180 × 24 h.
    expect(retentionDueAt(completedAt, 180).getTime() - completedAt.getTime()).toBe(180 * 24 * 60 * 60 * 1000);
  });

  it('takes the environment’s own retention, else its kind’s default', () => {
    const production = new Environment(1, 1, 'live', 'production');
    const completedAt = new Date('2026-01-01T00:00:00.000Z');
    expect(retentionDueAt(completedAt, production.effectiveRetentionDays()).toISOString()).toBe('2026-06-30T00:00:00.000Z');
    production.retentionDays = 365;
    expect(retentionDueAt(completedAt, production.effectiveRetentionDays()).toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });
});

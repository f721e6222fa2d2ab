import { describe, expect, it } from 'vitest';
import { AuditLogQuery, isActionFilter } from './schema.js';

describe('isActionFilter', () => {
  it('accepts known actions and prefixes of them ending in a dot', () => {
    for (const action of ['run.triggered', 'user.role_changed', 'project.', 'service_token.', 'run.']) expect(isActionFilter(action), action).toBe(true);
  });

  it('refuses unknown actions, prefixes without the dot and prefixes of nothing', () => {
    for (const action of ['run', 'run.exploded', 'nothing.', '.', 'project.%', 'run.trig']) expect(isActionFilter(action), action).toBe(false);
  });
});

describe('AuditLogQuery', () => {
  it('accepts an equal from and to, and refuses from after to', () => {
    expect(AuditLogQuery.safeParse({ from: '2026-01-01T00:00:00Z', to: '2026-01-01T01:00:00+01:00' }).success).toBe(true);
    const reversed = AuditLogQuery.safeParse({ from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' });
    expect(reversed.error?.issues.map((i) => [i.path, i.message])).toEqual([[['from'], 'must not be after to']]);
  });

  it('refuses a date without a time or a time zone', () => {
    for (const from of ['2026-01-01', '2026-01-01T00:00:00']) {
      expect(AuditLogQuery.safeParse({ from }).error?.issues.map((i) => i.path), from).toEqual([['from']]);
    }
  });
});

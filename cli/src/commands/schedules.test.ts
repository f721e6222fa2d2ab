import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { intervalSecondsOf, timingOf } from './schedules.js';

describe('qatron schedules helpers', () => {
  it('reads --every as seconds: a whole number with a unit s, m, h or d', () => {
    expect(intervalSecondsOf('90s')).toBe(90);
    expect(intervalSecondsOf('15m')).toBe(900);
    expect(intervalSecondsOf('1h')).toBe(3600);
    expect(intervalSecondsOf(' 2d ')).toBe(172_800);
    for (const bad of ['1', 'h', '0h', '1.5h', '1w', 'hourly', '-1h']) expect(() => intervalSecondsOf(bad)).toThrow(UsageError);
  });

  it('shows a schedule as its cron expression or its interval in the largest whole unit', () => {
    expect(timingOf({ cron: '0 2 * * *', interval_seconds: null })).toBe('0 2 * * *');
    expect(timingOf({ cron: null, interval_seconds: 3600 })).toBe('every 1h');
    expect(timingOf({ cron: null, interval_seconds: 86_400 })).toBe('every 1d');
    expect(timingOf({ cron: null, interval_seconds: 5400 })).toBe('every 90m');
    expect(timingOf({ cron: null, interval_seconds: 61 })).toBe('every 61s');
  });
});

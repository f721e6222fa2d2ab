import { describe, expect, it } from 'vitest';
import { cronProblem, timezoneProblem } from './cron.js';

describe('cronProblem', () => {
  it('accepts standard 5-field expressions: values, lists, ranges, steps and names', () => {
    for (const ok of ['0 2 * * *', '*/15 * * * *', '30 4 * * 1-5', '0 0 1,15 * *', '0 9-17/2 * JAN-MAR MON,WED,fri', '59 23 31 12 6', '  5 4 * * sun  ']) {
      expect([ok, cronProblem(ok)]).toEqual([ok, null]);
    }
  });

  it('says what is wrong, naming the field', () => {
    expect(cronProblem('0 2 * *')).toBe('must have 5 fields (minute hour day-of-month month day-of-week), found 4');
    expect(cronProblem('')).toBe('must have 5 fields (minute hour day-of-month month day-of-week), found 0');
    expect(cronProblem('0 2 * * * 2027')).toMatch(/found 6$/);
    expect(cronProblem('0 25 * * *')).toBe('hour "25" is out of range (0-23)');
    expect(cronProblem('60 2 * * *')).toBe('minute "60" is out of range (0-59)');
    expect(cronProblem('0 2 0 * *')).toBe('day of month "0" is out of range (1-31)');
    expect(cronProblem('0 2 * 13 *')).toBe('month "13" is out of range (1-12 or JAN-DEC)');
    expect(cronProblem('0 2 * * 7')).toBe('day of week "7" is out of range (0-6 or SUN-SAT)');
    expect(cronProblem('0 5-2 * * *')).toBe('hour range "5-2" ends before it starts');
    expect(cronProblem('*/0 * * * *')).toBe('minute step "0" must be a positive whole number');
    expect(cronProblem('@daily * * * *')).toBe('minute "@daily" is out of range (0-59)');
    expect(cronProblem('0 2 * * MON,')).toBe('day of week item "" is not a value, range or step');
  });
});

describe('timezoneProblem', () => {
  it('accepts IANA names and refuses others', () => {
    for (const zone of ['UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5']) expect([zone, timezoneProblem(zone)]).toEqual([zone, null]);
    for (const zone of ['Mars/Olympus', '+01:00', 'Europe/', '']) expect(timezoneProblem(zone)).toMatch(/is not an IANA time zone name such as Europe\/Berlin$/);
  });
});

import { describe, expect, it } from 'vitest';
import { allureTimes, parseIsoTimestamp, parseJunitSession, readTarGz } from './evidence.js';

describe('parseIsoTimestamp', () => {
  it('keeps microseconds and applies the zone offset', () => {
    expect(parseIsoTimestamp('2026-11-22T01:02:03.123456+00:00')).toBeCloseTo(Date.UTC(2026, 10, 22, 1, 2, 3) + 123.456, 6);
    expect(parseIsoTimestamp('2026-11-22T03:02:03.5+02:00')).toBe(Date.UTC(2026, 10, 22, 1, 2, 3, 500));
    expect(parseIsoTimestamp('2026-11-21T20:02:03-0500')).toBe(Date.UTC(2026, 10, 22, 1, 2, 3));
    expect(parseIsoTimestamp('2026-11-22T01:02:03Z')).toBe(Date.UTC(2026, 10, 22, 1, 2, 3));
  });

  it('reads a timestamp without a zone as local time (older pytest)', () => {
    expect(parseIsoTimestamp('2026-11-22T01:02:03.250')).toBe(new Date(2026, 10, 22, 1, 2, 3, 250).getTime());
  });

  it('rejects what is not a timestamp', () => {
    expect(() => parseIsoTimestamp('yesterday')).toThrow('not an ISO 8601 timestamp');
  });
});

describe('parseJunitSession', () => {
  it('reads the session start and adds the suite time for its finish', () => {
    const xml =
      '<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="0" failures="0" skipped="1" tests="4" ' +
      'time="1.250" timestamp="2026-11-22T01:02:03.100000+00:00" hostname="h"><testcase classname="tests.test_cart" name="test_a" time="0.001" /></testsuite></testsuites>';
    const session = parseJunitSession(xml);
    expect(session.startMs).toBeCloseTo(Date.UTC(2026, 10, 22, 1, 2, 3, 100), 6);
    expect(session.finishMs - session.startMs).toBeCloseTo(1250, 6);
    expect(session.tests).toBe(4);
  });

  it('says what is missing', () => {
    expect(() => parseJunitSession('<testsuites/>')).toThrow('no <testsuite>');
    expect(() => parseJunitSession('<testsuite name="x" tests="1">')).toThrow('without timestamp/time');
  });
});

describe('allureTimes', () => {
  it('takes the first test start from results and the last stop from results and container fixtures', () => {
    const times = allureTimes([
      { name: 'a-result.json', text: JSON.stringify({ start: 2000, stop: 2100 }) },
      { name: 'b-result.json', text: JSON.stringify({ start: 1000, stop: 1500 }) },
      { name: 'c-container.json', text: JSON.stringify({ befores: [{ start: 900, stop: 950 }], afters: [{ start: 2100, stop: 2300 }] }) },
      { name: 'd-attachment.txt', text: 'not json' },
    ]);
    expect(times).toEqual({ tests: 2, firstTestStartMs: 1000, lastTestDoneMs: 2300 });
  });

  it('refuses a shard without results', () => {
    expect(() => allureTimes([{ name: 'c-container.json', text: '{}' }])).toThrow('no Allure test results');
  });
});

describe('readTarGz', () => {
  it('reads the regular files of an archive made by `tar -czf`', () => {
    // tar -czf x.tar.gz allure-results (GNU tar): a directory entry and two JSON files.
    const archive = Buffer.from(
      'H4sIAAAAAAAAA+3UzWrDMAwHcJ/7FMHndrVbO4G8SunBpC7LyOzij1PZu08pY7SGtZdkZez/u1gmgggLyQxDDnYVbMxDims2B0EarS8nKc9LLPVWCKUoUTIhN3orWaVnqaaQYzKhqljwPt3Le/T9jzK3/Tdf0ctb9G6qf4wNrpX6uf+qLvqvZS1YJaYq4J5/3v8zz7k/8JYbvuTjUyTeSmrJePEnirUQH4tnVwlzKea/W3XeJdM7G6ZbAY/mX8qmnP96ozH/v+F7/jua/+61Hw7BOt7uaB/sl9wckw2RrmfuzLultOPVmtBXa6KhNbHHogAAAAAAAAAAAAAAAAAAAHiKT2k3hAkAKAAA',
      'base64',
    );
    const files = readTarGz(archive);
    expect(files.map((f) => f.name).sort()).toEqual(['allure-results/a-result.json', 'allure-results/c-container.json']);
    const times = allureTimes(files.map((f) => ({ name: f.name, text: f.data.toString('utf8') })));
    expect(times).toEqual({ tests: 1, firstTestStartMs: 1000, lastTestDoneMs: 1700 });
  });
});

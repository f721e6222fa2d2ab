import { describe, expect, it } from 'vitest';
import { mergeAttempts, parseProgressLines, progressCounts, retryCandidates, type ProgressRecord } from './results.js';

const record = (nodeid: string, outcome: ProgressRecord['outcome'], extra: Partial<ProgressRecord> = {}): ProgressRecord => ({
  nodeid,
  categories: [outcome],
  outcome,
  duration: 0.5,
  message: outcome === 'passed' ? null : `${outcome} message`,
  when: 'teardown',
  properties: {},
  ...extra,
});

describe('parseProgressLines', () => {
  it('reads well-formed lines and skips blank, truncated and foreign ones', () => {
    const lines = [
      JSON.stringify({ nodeid: 't.py::a', categories: ['passed'], duration: 0.25, message: null, when: 'teardown' }),
      '',
      '{"nodeid": "t.py::b", "categ',
      JSON.stringify({ nodeid: 't.py::c', outcome: 'passed' }),
      JSON.stringify({ nodeid: 't.py', categories: ['error'], duration: 0, message: 'ImportError', when: 'collect' }),
      JSON.stringify({ nodeid: 't.py::s', categories: ['passed'], duration: 1, message: null, when: 'teardown', properties: { qatron_scenario_id: 'f.feature:2:4:abcdef12', bad: 3 } }),
      JSON.stringify({ nodeid: 't.py::td', categories: ['passed', 'error', 'rerun'], duration: 1, message: 'teardown boom', when: 'teardown' }),
      JSON.stringify({ nodeid: 't.py::x', categories: ['xfailed'], duration: 0.1, message: 'xfailed: bug 12', when: 'teardown' }),
    ];
    expect(parseProgressLines(lines)).toEqual([
      { nodeid: 't.py::a', categories: ['passed'], outcome: 'passed', duration: 0.25, message: null, when: 'teardown', properties: {} },
      { nodeid: 't.py', categories: ['error'], outcome: 'error', duration: 0, message: 'ImportError', when: 'collect', properties: {} },
      { nodeid: 't.py::s', categories: ['passed'], outcome: 'passed', duration: 1, message: null, when: 'teardown', properties: { qatron_scenario_id: 'f.feature:2:4:abcdef12' } },
      { nodeid: 't.py::td', categories: ['passed', 'error'], outcome: 'error', duration: 1, message: 'teardown boom', when: 'teardown', properties: {} },
      { nodeid: 't.py::x', categories: ['xfailed'], outcome: 'xfailed', duration: 0.1, message: 'xfailed: bug 12', when: 'teardown', properties: {} },
    ]);
  });
});

describe('retryCandidates', () => {
  it('retries failed and errored tests but not collection errors', () => {
    const records = [record('t.py::a', 'passed'), record('t.py::b', 'failed'), record('t.py::c', 'error'), record('t.py::d', 'skipped'), record('broken.py', 'error', { when: 'collect' })];
    expect(retryCandidates(records)).toEqual(['t.py::b', 't.py::c']);
  });
});

describe('mergeAttempts', () => {
  it('gives one result per test with the outcome of its last attempt', () => {
    const first = [record('t.py::a', 'passed', { duration: 1, properties: { qatron_scenario_line: '3' } }), record('t.py::flaky', 'failed', { message: 'timeout' }), record('t.py::broken', 'error'), record('t.py::skip', 'skipped', { message: 'Skipped: later' })];
    const second = [record('t.py::flaky', 'passed', { duration: 2 }), record('t.py::broken', 'error', { message: 'still broken' })];
    const third = [record('t.py::broken', 'failed', { message: 'broken differently' })];
    expect(mergeAttempts([first, second, third])).toEqual([
      { nodeId: 't.py::a', outcome: 'passed', categories: ['passed'], durationSeconds: 1, attempts: 1, flaky: false, message: null, properties: { qatron_scenario_line: '3' } },
      { nodeId: 't.py::flaky', outcome: 'passed', categories: ['passed'], durationSeconds: 2, attempts: 2, flaky: true, message: 'timeout', properties: {} },
      { nodeId: 't.py::broken', outcome: 'failed', categories: ['failed'], durationSeconds: 0.5, attempts: 3, flaky: false, message: 'broken differently', properties: {} },
      { nodeId: 't.py::skip', outcome: 'skipped', categories: ['skipped'], durationSeconds: 0.5, attempts: 1, flaky: false, message: 'Skipped: later', properties: {} },
    ]);
  });

  it('counts a test once per attempt even if it was reported twice in one', () => {
    const merged = mergeAttempts([[record('t.py::a', 'failed'), record('t.py::a', 'error')]]);
    expect(merged).toEqual([{ nodeId: 't.py::a', outcome: 'error', categories: ['error'], durationSeconds: 0.5, attempts: 1, flaky: false, message: 'error message', properties: {} }]);
  });

  it('is empty without attempts', () => {
    expect(mergeAttempts([])).toEqual([]);
  });
});

describe('progressCounts', () => {
  it('counts errors as failed', () => {
    const latest = new Map([
      ['a', 'passed'],
      ['b', 'failed'],
      ['c', 'error'],
      ['d', 'skipped'],
    ] as const);
    expect(progressCounts(latest)).toEqual({ done: 4, passed: 1, failed: 2, skipped: 1 });
  });
});

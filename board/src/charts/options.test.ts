import { describe, expect, it } from 'vitest';
import type { Dashboard } from '../api/types';
import {
  coverageTrendOption,
  durationTrendOption,
  failingTestsOption,
  outcomeSparklineOption,
  passRateTrendOption,
  runsByStatusOption,
  shardTimelineOption,
  shortTestName,
  slowestTestsOption,
  STATUS_COLORS,
  trendDays,
} from './options';

const trends: Dashboard['trends'] = [
  {
    project_id: 1,
    project_name: 'shop',
    suite_id: 1,
    suite_name: 'smoke',
    points: [
      { day: '2026-12-02', runs: 2, pass_rate: 87.54, avg_duration_seconds: 30 },
      { day: '2026-12-03', runs: 1, pass_rate: 100, avg_duration_seconds: 12.25 },
    ],
  },
  { project_id: 2, project_name: 'blog', suite_id: 3, suite_name: 'regression', points: [{ day: '2026-12-01', runs: 1, pass_rate: null, avg_duration_seconds: 5 }] },
];

type Series = { name: string; data: unknown[] };

describe('trend charts', () => {
  it('put every series on one sorted day axis, with gaps where a pair did not run', () => {
    expect(trendDays(trends)).toEqual(['2026-12-01', '2026-12-02', '2026-12-03']);
    const option = passRateTrendOption(trends) as { xAxis: { data: string[] }; yAxis: { max: number }; series: Series[] };
    expect(option.xAxis.data).toEqual(['2026-12-01', '2026-12-02', '2026-12-03']);
    expect(option.yAxis.max).toBe(100);
    expect(option.series).toEqual([
      expect.objectContaining({ name: 'shop · smoke', type: 'line', data: [null, 87.5, 100] }),
      expect.objectContaining({ name: 'blog · regression', data: [null, null, null] }),
    ]);
  });

  it('draw the mean duration per day in seconds', () => {
    const option = durationTrendOption(trends) as { series: Series[]; yAxis: { max?: number; name: string } };
    expect(option.series.map((s) => s.data)).toEqual([
      [null, 30, 12.3],
      [5, null, null],
    ]);
    expect(option.yAxis).toEqual({ type: 'value', name: 's', min: 0 });
  });

  it('draw nothing but an empty axis without data', () => {
    const option = passRateTrendOption([]) as { xAxis: { data: string[] }; series: Series[] };
    expect(option.xAxis.data).toEqual([]);
    expect(option.series).toEqual([]);
  });

  it('draw coverage per day rounded to a tenth', () => {
    const option = coverageTrendOption([{ day: '2026-12-01', avg_coverage_percent: 81.26 }]) as { xAxis: { data: string[] }; series: Series[] };
    expect(option.xAxis.data).toEqual(['2026-12-01']);
    expect(option.series[0]!.data).toEqual([81.3]);
  });
});

describe('runs by status', () => {
  it('colours each status and leaves out empty ones', () => {
    const option = runsByStatusOption([
      { status: 'completed', count: 7 },
      { status: 'failed', count: 2 },
      { status: 'cancelled', count: 0 },
    ]) as { series: { data: unknown[] }[] };
    expect(option.series[0]!.data).toEqual([
      { name: 'completed', value: 7, itemStyle: { color: STATUS_COLORS.completed } },
      { name: 'failed', value: 2, itemStyle: { color: STATUS_COLORS.failed } },
    ]);
  });
});

describe('test rankings', () => {
  it('name tests by file and test, largest on top', () => {
    expect(shortTestName('tests/shop/test_cart.py::TestCart::test_add[2-3]')).toBe('test_cart.py::TestCart::test_add[2-3]');
    expect(shortTestName('tests/test_a.py')).toBe('test_a.py');
    const slow = slowestTestsOption([
      { project_name: 'shop', node_id: 'tests/test_a.py::test_slow', avg_duration_seconds: 9.876, runs: 3 },
      { project_name: 'shop', node_id: 'tests/test_b.py::test_less', avg_duration_seconds: 2, runs: 3 },
    ]) as { yAxis: { data: string[] }; series: Series[] };
    // ECharts draws the first category at the bottom: the slowest comes last.
    expect(slow.yAxis.data).toEqual(['test_b.py::test_less', 'test_a.py::test_slow']);
    expect(slow.series[0]!.data).toEqual([2, 9.88]);
    const failing = failingTestsOption([
      { project_name: 'shop', node_id: 'tests/test_c.py::test_x', failures: 4, runs: 5 },
      { project_name: 'blog', node_id: 'tests/test_c.py::test_x', failures: 1, runs: 5 },
    ]) as { yAxis: { data: string[] }; series: Series[] };
    expect(failing.series[0]!.data).toEqual([1, 4]);
    // Across projects, the same test name is told apart by its project.
    expect(failing.yAxis.data).toEqual(['test_c.py::test_x (blog)', 'test_c.py::test_x (shop)']);
  });
});

describe('shard timeline', () => {
  it('draws one bar per shard from the run start, shard 0 on top, coloured by status', () => {
    const option = shardTimelineOption([
      { index: 0, status: 'passed', seconds: 12.34 },
      { index: 1, status: 'failed', seconds: 20 },
      { index: 2, status: 'running', seconds: 3 },
    ]) as { yAxis: { data: string[] }; series: { data: { value: number; itemStyle: { color: string } }[] }[] };
    expect(option.yAxis.data).toEqual(['shard 2', 'shard 1', 'shard 0']);
    expect(option.series[0]!.data).toEqual([
      { value: 3, itemStyle: { color: STATUS_COLORS.running } },
      { value: 20, itemStyle: { color: STATUS_COLORS.failed } },
      { value: 12.3, itemStyle: { color: STATUS_COLORS.passed } },
    ]);
  });
});

describe('the outcome sparkline', () => {
  const window = [
    { run_id: 3, outcome: 'passed', retried: false, duration_seconds: 0.5 },
    { run_id: 4, outcome: 'failed', retried: false, duration_seconds: 0.7 },
    { run_id: 6, outcome: 'passed', retried: true, duration_seconds: 1.1 },
    { run_id: 9, outcome: 'error', retried: false, duration_seconds: 0 },
    { run_id: 10, outcome: 'xfailed', retried: false, duration_seconds: 0.2 },
  ];

  it('draws one bar per run, oldest first: passes up, fails down, a pass on retry half-way in orange', () => {
    const option = outcomeSparklineOption(window) as { xAxis: { show: boolean; data: string[] }; yAxis: { min: number; max: number }; series: Series[]; tooltip: { show: boolean } };
    expect(option.series[0]!.data).toEqual([
      { value: 1, itemStyle: { color: STATUS_COLORS.passed } },
      { value: -1, itemStyle: { color: STATUS_COLORS.failed } },
      { value: 0.5, itemStyle: { color: STATUS_COLORS.partial_failed } },
      { value: -1, itemStyle: { color: STATUS_COLORS.failed } },
      { value: 1, itemStyle: { color: STATUS_COLORS.passed } },
    ]);
    expect(option.xAxis.data).toEqual(['#3 passed', '#4 failed', '#6 passed (retried)', '#9 error', '#10 xfailed']);
    expect(option.xAxis.show).toBe(false);
    expect(option.tooltip).toEqual({ show: false });
    expect([option.yAxis.min, option.yAxis.max]).toEqual([-1, 1]);
  });

  it('shows its axis and a tooltip naming each run when drawn large, and nothing for an empty window', () => {
    const large = outcomeSparklineOption(window, false) as { xAxis: { show: boolean }; tooltip: { trigger: string } };
    expect(large.xAxis.show).toBe(true);
    expect(large.tooltip.trigger).toBe('item');
    const empty = outcomeSparklineOption([]) as { series: Series[]; xAxis: { data: string[] } };
    expect(empty.series[0]!.data).toEqual([]);
    expect(empty.xAxis.data).toEqual([]);
  });
});

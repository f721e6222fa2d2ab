/**
 * ECharts options for every chart of the Board, built by pure functions from the API's data so
 * that they are unit-tested without a browser (STYLE: vue-echarts habit). The EChart component
 * only renders what these return.
 */
import type { EChartsCoreOption } from 'echarts/core';
import type { Dashboard } from '../api/types';

/** Colours by run status, shared by every chart that shows statuses. */
export const STATUS_COLORS: Record<string, string> = {
  completed: '#1f8a4c',
  passed: '#1f8a4c',
  failed: '#c93838',
  partial_failed: '#e07b39',
  timed_out: '#9b59b6',
  infra_failed: '#7f8c8d',
  cancelled: '#b0b7c0',
  queued: '#8fb3ee',
  provisioning: '#5d92e6',
  running: '#2f6fde',
  reporting: '#1e56b8',
  pending: '#8fb3ee',
};

type Trend = Dashboard['trends'][number];

/** Every day of the trends, sorted, so that all series share one category axis. */
export function trendDays(trends: readonly Trend[]): string[] {
  return [...new Set(trends.flatMap((t) => t.points.map((p) => p.day)))].sort();
}

function seriesName(trend: Trend): string {
  return `${trend.project_name} · ${trend.suite_name}`;
}

function lineChart(trends: readonly Trend[], value: (p: Trend['points'][number]) => number | null, axis: { name: string; max?: number; unit: string }): EChartsCoreOption {
  const days = trendDays(trends);
  return {
    animation: false,
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => (typeof v === 'number' ? `${v.toFixed(1)} ${axis.unit}` : '—') },
    legend: { type: 'scroll', bottom: 0 },
    grid: { left: 48, right: 16, top: 24, bottom: 48 },
    xAxis: { type: 'category', data: days, boundaryGap: false },
    yAxis: { type: 'value', name: axis.name, min: 0, ...(axis.max !== undefined && { max: axis.max }) },
    series: trends.map((trend) => {
      const byDay = new Map(trend.points.map((p) => [p.day, value(p)]));
      return {
        name: seriesName(trend),
        type: 'line',
        connectNulls: true,
        showSymbol: false,
        data: days.map((day) => {
          const v = byDay.get(day);
          return v === undefined || v === null ? null : Math.round(v * 10) / 10;
        }),
      };
    }),
  };
}

/** Pass rate (passed / executed tests, in percent) per day, one line per project and suite. */
export function passRateTrendOption(trends: readonly Trend[]): EChartsCoreOption {
  return lineChart(trends, (p) => p.pass_rate, { name: '%', max: 100, unit: '%' });
}

/** Mean run duration per day, one line per project and suite. */
export function durationTrendOption(trends: readonly Trend[]): EChartsCoreOption {
  return lineChart(trends, (p) => p.avg_duration_seconds, { name: 's', unit: 's' });
}

/** Runs by status as a doughnut, coloured by status. */
export function runsByStatusOption(counts: Dashboard['runs_by_status']): EChartsCoreOption {
  return {
    animation: false,
    tooltip: { trigger: 'item' },
    legend: { type: 'scroll', bottom: 0 },
    series: [
      {
        type: 'pie',
        radius: ['40%', '70%'],
        center: ['50%', '45%'],
        // Counts on the slices, names in the legend: status names beside thin slices would collide.
        label: { formatter: '{c}' },
        minShowLabelAngle: 6,
        data: counts.filter((c) => c.count > 0).map((c) => ({ name: c.status, value: c.count, itemStyle: { color: STATUS_COLORS[c.status] } })),
      },
    ],
  };
}

/** The mean combined coverage of the day's runs (PRD 15). */
export function coverageTrendOption(points: Dashboard['coverage']): EChartsCoreOption {
  return {
    animation: false,
    tooltip: { trigger: 'axis' },
    grid: { left: 48, right: 16, top: 24, bottom: 32 },
    xAxis: { type: 'category', data: points.map((p) => p.day), boundaryGap: false },
    yAxis: { type: 'value', name: '%', min: 0, max: 100 },
    series: [{ name: 'coverage', type: 'line', areaStyle: { opacity: 0.15 }, data: points.map((p) => Math.round(p.avg_coverage_percent * 10) / 10) }],
  };
}

/** A horizontal bar chart of named values, largest on top (ECharts draws the first category at the bottom). */
function ranking(items: { label: string; value: number }[], axisName: string, color: string): EChartsCoreOption {
  const bottomUp = [...items].reverse();
  return {
    animation: false,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { left: 8, right: 32, top: 16, bottom: 24, containLabel: true },
    xAxis: { type: 'value', name: axisName },
    yAxis: { type: 'category', data: bottomUp.map((i) => i.label), axisLabel: { width: 260, overflow: 'truncate' } },
    series: [{ type: 'bar', data: bottomUp.map((i) => i.value), itemStyle: { color } }],
  };
}

/** The shortest readable form of a pytest node id: the file's base name and the test. */
export function shortTestName(nodeId: string): string {
  const [file = nodeId, ...rest] = nodeId.split('::');
  const base = file.split('/').pop() ?? file;
  return rest.length ? `${base}::${rest.join('::')}` : base;
}

/**
 * A ranked test's label: its short name, and its project when the ranking spans several projects
 * (two projects may well have a test of the same name).
 */
function rankedLabels(tests: readonly { project_name: string; node_id: string }[]): string[] {
  const projects = new Set(tests.map((t) => t.project_name));
  return tests.map((t) => (projects.size > 1 ? `${shortTestName(t.node_id)} (${t.project_name})` : shortTestName(t.node_id)));
}

export function slowestTestsOption(tests: Dashboard['slowest_tests']): EChartsCoreOption {
  const labels = rankedLabels(tests);
  return ranking(tests.map((t, i) => ({ label: labels[i]!, value: Math.round(t.avg_duration_seconds * 100) / 100 })), 's', '#2f6fde');
}

export function failingTestsOption(tests: Dashboard['failing_tests']): EChartsCoreOption {
  const labels = rankedLabels(tests);
  return ranking(tests.map((t, i) => ({ label: labels[i]!, value: t.failures })), 'failures', '#c93838');
}

/** One shard of a run as the shard timeline draws it: how long it ran, and how it ended or is doing. */
export interface ShardBar {
  index: number;
  status: string;
  seconds: number;
}

/**
 * The shard timeline: shards run in parallel from the run's start, so each is a bar from 0 to its
 * duration (or elapsed time while running), coloured by its status; the longest is the run's duration.
 */
export function shardTimelineOption(shards: readonly ShardBar[]): EChartsCoreOption {
  const ordered = [...shards].sort((a, b) => b.index - a.index);
  return {
    animation: false,
    tooltip: { trigger: 'item', formatter: '{b}: {c} s' },
    grid: { left: 8, right: 32, top: 16, bottom: 24, containLabel: true },
    xAxis: { type: 'value', name: 's', min: 0 },
    yAxis: { type: 'category', data: ordered.map((s) => `shard ${s.index}`) },
    series: [
      {
        type: 'bar',
        data: ordered.map((s) => ({ value: Math.round(s.seconds * 10) / 10, itemStyle: { color: STATUS_COLORS[s.status] ?? '#8fb3ee' } })),
      },
    ],
  };
}

/** One run of a test's window as the sparkline draws it (the fields of the list's `recent` and the detail's `history` it reads). */
export interface WindowPoint {
  run_id: number;
  outcome: string;
  retried: boolean;
}

/** How a test's window draws an outcome: a pass is up, a fail down, a retried pass half-way (flaky evidence). */
export const OUTCOME_HEIGHT: Record<string, number> = { passed: 1, xfailed: 1, xpassed: 1, failed: -1, error: -1 };

function outcomeBar(point: WindowPoint): { value: number; itemStyle: { color: string } } {
  const height = OUTCOME_HEIGHT[point.outcome] ?? 0;
  if (height > 0 && point.retried) return { value: 0.5, itemStyle: { color: STATUS_COLORS.partial_failed! } };
  return { value: height, itemStyle: { color: height > 0 ? STATUS_COLORS.passed! : STATUS_COLORS.failed! } };
}

/**
 * A test's window as a sparkline (issue 15 item 5): one bar per run, oldest first, up for a pass,
 * down for a fail, half-up in orange for a pass on retry, so that flips read at a glance. `compact`
 * draws it without axes or tooltip, for a table row; the test page draws it large with its runs.
 */
export function outcomeSparklineOption(window: readonly WindowPoint[], compact = true): EChartsCoreOption {
  return {
    animation: false,
    tooltip: compact ? { show: false } : { trigger: 'item', formatter: '{b}' },
    grid: compact ? { left: 0, right: 0, top: 2, bottom: 2 } : { left: 8, right: 8, top: 8, bottom: 8 },
    xAxis: { type: 'category', show: !compact, data: window.map((p) => `#${p.run_id} ${p.outcome}${p.retried ? ' (retried)' : ''}`), axisLabel: { show: false } },
    yAxis: { type: 'value', show: false, min: -1, max: 1 },
    series: [{ type: 'bar', barCategoryGap: '20%', data: window.map(outcomeBar) }],
  };
}

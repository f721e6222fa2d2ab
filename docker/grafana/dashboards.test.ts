import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DASHBOARD_DIR, DATASOURCE_UID, dashboardProblems, dashboardQueries, readDashboardFiles } from './dashboards.js';

/**
 * The shipped dashboards load in Grafana (issue 17 item 1): the schema check of the fields Grafana
 * needs, on the files themselves and on broken copies of them.
 */
const files = readDashboardFiles();
const overview = files.get('qatron.json');

/** A deep copy of the overview with one change. */
function brokenOverview(change: (d: any) => void): Map<string, unknown> {
  const copy = structuredClone(overview) as any;
  change(copy);
  return new Map([['qatron.json', copy]]);
}

describe('Grafana dashboards', () => {
  it('ships the overview, runs, workers and projects dashboards', () => {
    expect([...files.keys()]).toEqual(['projects.json', 'qatron.json', 'runs.json', 'workers.json']);
  });

  it('are valid: every panel has queries on the provisioned datasource, ids are unique', () => {
    expect(dashboardProblems(files)).toEqual([]);
    expect(dashboardQueries(files).length).toBeGreaterThanOrEqual(40);
  });

  it('are the ones the Helm chart ships (helm/qatron/dashboards: copies, helm reads nothing outside the chart)', () => {
    const chartDir = join(DASHBOARD_DIR, '..', '..', '..', 'helm', 'qatron', 'dashboards');
    expect(readdirSync(chartDir).sort()).toEqual([...files.keys()]);
    for (const file of files.keys()) expect(readFileSync(join(chartDir, file), 'utf8'), file).toBe(readFileSync(join(DASHBOARD_DIR, file), 'utf8'));
  });

  it('refuses a panel without a query, a duplicate id, another datasource and a duplicate uid', () => {
    expect(dashboardProblems(brokenOverview((d) => (d.panels[0].targets[0].expr = ' ')))).toEqual(['qatron.json: panels.0.targets.0.expr: is a PromQL query']);
    expect(dashboardProblems(brokenOverview((d) => (d.panels[1].id = d.panels[0].id)))).toEqual([`qatron.json: panel 1 (${(overview as any).panels[1].title}): id 1 is used twice`]);
    expect(dashboardProblems(brokenOverview((d) => (d.panels[0].datasource.uid = 'other')))).toEqual([`qatron.json: panel 1 (${(overview as any).panels[0].title}): datasource other is not ${DATASOURCE_UID}`]);
    expect(dashboardProblems(brokenOverview((d) => (d.panels[0].targets = [])))).toEqual(['qatron.json: panels.0.targets: Too small: expected array to have >=1 items']);
    const twice = new Map([...files, ['copy.json', files.get('runs.json')]]);
    expect(dashboardProblems(twice)).toEqual(['copy.json: uid qatron-runs is also runs.json\'s', 'copy.json: title QAtron runs is also runs.json\'s']);
  });
});

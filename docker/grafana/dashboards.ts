/**
 * The Grafana dashboards shipped with QAtron (docker/grafana/dashboards/*.json, provisioned by
 * compose and by the Helm chart's grafana_dashboard ConfigMap) and the checks they must pass: the
 * fields Grafana needs to load a provisioned dashboard, every panel on the provisioned Prometheus
 * datasource, every query present. worker/src/metrics.int.test.ts evaluates the queries against a
 * real Prometheus.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const DASHBOARD_DIR = join(dirname(fileURLToPath(import.meta.url)), 'dashboards');
/** The datasource uid docker/grafana/provisioning/datasources/prometheus.yml provisions (and the chart). */
export const DATASOURCE_UID = 'qatron-prometheus';

const Datasource = z.object({ type: z.literal('prometheus'), uid: z.string().min(1) });

const Target = z.object({
  refId: z.string().regex(/^[A-Z]$/, 'is one capital letter'),
  datasource: Datasource,
  expr: z.string().trim().min(1, 'is a PromQL query'),
  legendFormat: z.string(),
});

const Panel = z.object({
  id: z.int().positive(),
  type: z.enum(['stat', 'timeseries', 'bargauge', 'table', 'gauge']),
  title: z.string().min(1),
  description: z.string().min(1),
  gridPos: z.object({ x: z.int().min(0).max(23), y: z.int().min(0), w: z.int().min(1).max(24), h: z.int().min(1) }),
  datasource: Datasource,
  targets: z.array(Target).min(1),
  fieldConfig: z.object({ defaults: z.object({ unit: z.string() }).loose(), overrides: z.array(z.unknown()) }),
});
export type Panel = z.infer<typeof Panel>;

export const Dashboard = z.object({
  uid: z.string().regex(/^[a-z0-9-]{1,40}$/, 'is a Grafana uid (at most 40 characters)'),
  title: z.string().min(1),
  description: z.string().min(1),
  tags: z.array(z.string()).refine((tags) => tags.includes('qatron'), 'includes qatron (the dashboards link each other by it)'),
  schemaVersion: z.int().min(36),
  editable: z.literal(false),
  time: z.object({ from: z.string(), to: z.string() }),
  templating: z.object({ list: z.array(z.unknown()) }),
  panels: z.array(Panel).min(1),
});
export type Dashboard = z.infer<typeof Dashboard>;

/** Every dashboard file by its name, parsed (not yet validated). */
export function readDashboardFiles(dir = DASHBOARD_DIR): Map<string, unknown> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  return new Map(files.map((f): [string, unknown] => [f, JSON.parse(readFileSync(join(dir, f), 'utf8'))]));
}

/**
 * What is wrong with the dashboards, one line each (empty: Grafana can load them all): the schema
 * above, panel ids and refIds unique per dashboard, uids and titles unique across them, every
 * panel and query on the provisioned datasource, panels inside the 24-column grid.
 */
export function dashboardProblems(files: Map<string, unknown>, datasourceUid = DATASOURCE_UID): string[] {
  const problems: string[] = [];
  const uids = new Map<string, string>();
  const titles = new Map<string, string>();
  for (const [file, content] of files) {
    const parsed = Dashboard.safeParse(content);
    if (!parsed.success) {
      problems.push(...parsed.error.issues.map((i) => `${file}: ${i.path.join('.')}: ${i.message}`));
      continue;
    }
    const dashboard = parsed.data;
    if (uids.has(dashboard.uid)) problems.push(`${file}: uid ${dashboard.uid} is also ${uids.get(dashboard.uid)}'s`);
    uids.set(dashboard.uid, file);
    if (titles.has(dashboard.title)) problems.push(`${file}: title ${dashboard.title} is also ${titles.get(dashboard.title)}'s`);
    titles.set(dashboard.title, file);
    const ids = new Set<number>();
    for (const panel of dashboard.panels) {
      const where = `${file}: panel ${panel.id} (${panel.title})`;
      if (ids.has(panel.id)) problems.push(`${where}: id ${panel.id} is used twice`);
      ids.add(panel.id);
      if (panel.gridPos.x + panel.gridPos.w > 24) problems.push(`${where}: reaches past the 24-column grid`);
      if (panel.datasource.uid !== datasourceUid) problems.push(`${where}: datasource ${panel.datasource.uid} is not ${datasourceUid}`);
      const refIds = new Set<string>();
      for (const target of panel.targets) {
        if (refIds.has(target.refId)) problems.push(`${where}: refId ${target.refId} is used twice`);
        refIds.add(target.refId);
        if (target.datasource.uid !== datasourceUid) problems.push(`${where}: query ${target.refId} is on datasource ${target.datasource.uid}`);
      }
    }
  }
  return problems;
}

/** Each query of each dashboard, named for failure messages. */
export function dashboardQueries(files: Map<string, unknown>): Array<{ where: string; expr: string }> {
  return [...files].flatMap(([file, content]) =>
    Dashboard.parse(content).panels.flatMap((panel) => panel.targets.map((t) => ({ where: `${file} panel ${panel.id} "${panel.title}" ${t.refId}`, expr: t.expr }))),
  );
}

/**
 * A run's Allure report opened from its `report_url` in Chromium, through the real API: a report
 * of files loads every asset from under the report's path with the report cookie alone, under the
 * report CSP, renders its tests and reaches no other host (issue 12, item 5).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAllureReport } from '@qatron/activities/reporting/allure';
import { writeAllureResults } from '@qatron/activities/testing/allure-results';
import { launchChromium, visitReport } from '@qatron/activities/testing/report-browser';
import { contentTypeFor, type Run } from '@qatron/domain';
import { storeRunDirectory } from '@qatron/domain/artifacts/run-artifacts';
import { buildProject, buildRun } from '@qatron/domain/testing';
import { startTestApi, type TestApi } from '../testing/harness.js';

let api: TestApi;
let viewerToken: string;
let browser: Browser;
let work: string;

beforeAll(async () => {
  [api, browser, work] = await Promise.all([startTestApi(), launchChromium(), mkdtemp(join(tmpdir(), 'qatron-report-e2e-'))]);
  ({ token: viewerToken } = await api.userWithToken('viewer'));
});
afterAll(async () => {
  await browser?.close();
  await api?.close();
  await rm(work, { recursive: true, force: true });
});

/** A completed run with a real generated report stored as the reporting activity stores it. */
async function runWithReport(singleFile: boolean): Promise<Run> {
  const results = await writeAllureResults(join(work, `results-${singleFile}`), [
    { nodeId: 'tests/test_cart.py::test_empty_cart_has_zero_total', status: 'passed' },
    { nodeId: 'tests/test_cart.py::test_removing_an_item', status: 'failed', message: 'AssertionError: assert 2 == 1' },
    { nodeId: 'tests/test_pricing.py::test_apply_discount[a0]', status: 'passed' },
  ]);
  const report = await generateAllureReport({ resultsDirs: [results], outDir: join(work, `report-${singleFile}`), history: null, reportName: 'shop · smoke', singleFile });
  const em = api.orm.em.fork();
  const run = await buildRun(em, { project: await buildProject(em, { organization: api.organization }), status: 'completed' });
  await storeRunDirectory(em, api.store, run, { kind: 'allure_report', relativeDir: 'allure-report', localDir: report.reportDir });
  await em.flush();
  return run;
}

async function reportUrlOf(run: Run): Promise<string> {
  const res = await api.request('GET', `/api/v1/runs/${run.id}`, { token: viewerToken });
  expect(res.status).toBe(200);
  return api.url + (res.body.report_url as string);
}

describe("a run's report in Chromium, from report_url", () => {
  it('as files: every asset from under the report path with its content type, nothing from elsewhere', async () => {
    const run = await runWithReport(false);
    const visit = await visitReport(browser, await reportUrlOf(run), 'test_removing_an_item', 60_000);
    expect(visit.outsideRequests).toEqual([]);
    const base = `/api/v1/runs/${run.id}/report/`;
    expect(visit.ownResponses[0]).toEqual({ path: base, status: 200, contentType: 'text/html; charset=utf-8' });
    expect(visit.ownResponses.length).toBeGreaterThan(10);
    for (const response of visit.ownResponses.slice(1)) {
      expect(response.path.startsWith(base), response.path).toBe(true);
      const file = response.path.slice(base.length);
      // Allure asks for its metrics widget whether or not the run has metrics, and copes with a 404.
      const status = file === 'widgets/metrics.json' ? 404 : 200;
      const contentType = status === 200 ? contentTypeFor(file) : 'application/problem+json';
      expect(response, file).toEqual({ path: response.path, status, contentType });
    }
  });

  it('as one file: the page alone, nothing from elsewhere', async () => {
    const run = await runWithReport(true);
    const visit = await visitReport(browser, await reportUrlOf(run), 'test_removing_an_item', 60_000);
    expect(visit.outsideRequests).toEqual([]);
    expect(visit.ownResponses).toEqual([{ path: `/api/v1/runs/${run.id}/report/`, status: 200, contentType: 'text/html; charset=utf-8' }]);
  });
});

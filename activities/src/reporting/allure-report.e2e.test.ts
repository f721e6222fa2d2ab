/**
 * A generated Allure report requests nothing from any other host (issue 12, item 5), in both
 * layouts: loaded in Chromium from a plain static server on 127.0.0.1 with no Content-Security-
 * Policy (the API's CSP would block an outside request before the network, hiding it), every
 * request to another host is recorded and aborted.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAllureResults, type AllureResultInput } from '../testing/allure-results.js';
import { launchChromium, serveDirectory, visitReport } from '../testing/report-browser.js';
import { generateAllureReport } from './allure.js';

const TESTS: AllureResultInput[] = [
  { nodeId: 'tests/test_cart.py::test_empty_cart_has_zero_total', status: 'passed' },
  { nodeId: 'tests/test_cart.py::test_removing_an_item', status: 'failed', message: 'AssertionError: assert 2 == 1' },
  { nodeId: 'tests/test_pricing.py::test_apply_discount[a0]', status: 'passed' },
  { nodeId: 'tests/test_pricing.py::test_apply_discount[a1]', status: 'skipped' },
];

let base: string;
let browser: Browser;
let served: { server: Server; url: string };

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'qatron-report-home-'));
  const results = await writeAllureResults(join(base, 'results'), TESTS);
  const [single, multi] = await Promise.all([
    generateAllureReport({ resultsDirs: [results], outDir: join(base, 'site', 'single'), history: null, reportName: 'shop · smoke' }),
    generateAllureReport({ resultsDirs: [results], outDir: join(base, 'site', 'multi'), history: null, reportName: 'shop · smoke', singleFile: false }),
  ]);
  expect([single.singleFile, multi.singleFile]).toEqual([true, false]);
  // What the generator wrote and QAtron took out again: the control page below puts it back.
  const gtm = single.removedRequests.find((r) => r.startsWith('script '))!.slice('script '.length);
  await writeFile(join(base, 'site', 'control.html'), `<!DOCTYPE html><html><body><p>control</p><script async src="${gtm}"></script></body></html>`);
  [browser, served] = await Promise.all([launchChromium(), serveDirectory(join(base, 'site'))]);
});

afterAll(async () => {
  await browser?.close();
  served?.server.close();
  await rm(base, { recursive: true, force: true });
});

describe('a generated Allure report in Chromium', () => {
  it('is instrumented: the tag Allure generates would be an outside request', async () => {
    const visit = await visitReport(browser, `${served.url}control.html`, 'control');
    expect(visit.outsideRequests).toEqual(['https://www.googletagmanager.com/gtag/js?id=G-LNDJ3J7WT0']);
  });

  it('as one file: renders its tests and requests nothing outside', async () => {
    const visit = await visitReport(browser, `${served.url}single/`, 'test_removing_an_item');
    expect(visit.outsideRequests).toEqual([]);
    expect(visit.ownResponses).toEqual([{ path: '/single/', status: 200, contentType: 'text/html; charset=utf-8' }]);
  });

  it('as files: renders its tests from its own files and requests nothing outside', async () => {
    const visit = await visitReport(browser, `${served.url}multi/`, 'test_removing_an_item');
    expect(visit.outsideRequests).toEqual([]);
    const paths = visit.ownResponses.map((r) => r.path);
    expect(paths).toEqual(expect.arrayContaining(['/multi/', '/multi/app-b3323b2606f19801ef1b.js', '/multi/widgets/default/tree.json']));
    expect(paths.every((p) => p.startsWith('/multi/'))).toBe(true);
    expect(await readFile(join(base, 'site', 'multi', 'index.html'), 'utf8')).not.toMatch(/googletagmanager|gtag\(/);
  });
});

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createFixtureRepository, FAILING_TEST_ID, type FixtureRepository } from '@qatron/activities/testing/fixture-repo';
import { stackPlace, startStack, type StartedStack } from '@qatron/scripts/testing/npm-start';

/**
 * Test intelligence in a real browser (issue 15 item 5, Done when: "the Board pages in Chromium"),
 * against the stack `npm start` runs: a real run with a failing test shows its failure group;
 * "Re-run failed" opens the new run, which says what it re-runs; the project's Test health page
 * lists the failing test, and an admin quarantines it there, sees it quarantined with its owner, and lifts it.
 * A failing step leaves a screenshot and prints its path.
 */
let place: Awaited<ReturnType<typeof stackPlace>>;
let stack: StartedStack;
let browser: Browser;
let work: string;
let shots: string;
let repo: FixtureRepository;
let token: string;
let projectId: number;
let failedRunId: number;

const FINAL = ['completed', 'failed', 'partial_failed', 'timed_out', 'infra_failed', 'cancelled'];

async function call<T = any>(method: string, path: string, json?: unknown): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (json !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${stack.apiUrl}${path}`, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

async function finished(runId: number, timeoutMs = 180_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = (await call('GET', `/api/v1/runs/${runId}`)).body;
    if (FINAL.includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} did not finish: ${run.status}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** A signed-in admin page in a fresh browser context, screenshotted if the test fails. */
async function adminPage(name: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  onTestFailed(async () => {
    const file = join(shots, `${name}-${Date.now()}.png`);
    const taken = await page.screenshot({ path: file, fullPage: true }).then(() => true, () => false);
    if (taken) console.error(`screenshot of the failed step: ${file}\nlast output of the stack:\n${stack.output().slice(-3000)}`);
  });
  await page.goto(stack.boardUrl);
  await page.waitForURL('**/login');
  await page.fill('input[name=username]', 'admin');
  await page.fill('input[name=password]', 'admin');
  await page.click('button[type=submit]');
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  return page;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'qatron-board-ti-e2e-'));
  shots = await mkdtemp(join(tmpdir(), 'qatron-board-ti-e2e-screenshots-'));
  place = await stackPlace();
  [stack, repo, browser] = await Promise.all([
    startStack(place),
    createFixtureRepository(join(work, 'repo'), { variant: 'failing' }),
    chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] }),
  ]);
  const login = await fetch(`${stack.apiUrl}/api/v1/auth/login`, { method: 'POST', body: new URLSearchParams({ username: 'admin', password: 'admin' }) });
  token = ((await login.json()) as { access_token: string }).access_token;
  projectId = (await call<{ id: number }>('POST', '/api/v1/projects', { name: 'shop', repo_url: repo.path })).body.id;
  expect((await call('POST', `/api/v1/projects/${projectId}/environments`, { name: 'staging', kind: 'staging' })).status).toBe(201);
  // The failing test and the cart's 4 passing ones, without coverage: a quick run.
  expect((await call('POST', `/api/v1/projects/${projectId}/suites`, { name: 'cart', paths: ['tests/test_failing.py', 'tests/test_cart.py'], coverage: false })).status).toBe(201);
  const triggered = await call<{ id: number }>('POST', '/api/v1/runs', { project_id: projectId, suite: 'cart', environment: 'staging' });
  const run = await finished(triggered.body.id);
  expect(run, run.status_reason).toMatchObject({ status: 'failed', failed_tests: 1, passed_tests: 4 });
  failedRunId = run.id;
}, 400_000);

afterAll(async () => {
  await browser?.close();
  if (stack) await stack.stop();
  await place?.remove();
  if (work) await rm(work, { recursive: true, force: true });
  if (shots && (await readdir(shots)).length === 0) await rm(shots, { recursive: true, force: true });
});

describe('test intelligence on the Board, in Chromium against npm start', () => {
  it("a failed run shows its failure group; Re-run failed opens the re-run, which names the run it re-runs", async () => {
    const page = await adminPage('rerun');
    await page.goto(`${stack.boardUrl}/runs/${failedRunId}`);
    const group = page.locator('[data-testid=failure-groups] tbody tr').first();
    await group.waitFor();
    await expect(group.getByTestId('group-count').textContent()).resolves.toBe('1');
    await expect(group.textContent()).resolves.toContain('AssertionError');
    await expect(group.getByTestId('group-message').textContent()).resolves.toContain('the cart does not add VAT');
    expect(await group.getByTestId('group-new').count()).toBe(1);
    await group.locator('summary').click();
    await expect(group.getByTestId('group-tests').textContent()).resolves.toBe(FAILING_TEST_ID);

    await page.getByTestId('rerun-failed').click();
    await page.waitForURL((url) => /\/runs\/\d+$/.test(url.pathname) && url.pathname !== `/runs/${failedRunId}`);
    const rerunId = Number(new URL(page.url()).pathname.split('/').pop());
    await page.getByRole('heading', { name: `Run #${rerunId}` }).waitFor();
    await expect(page.getByTestId('rerun-of').textContent()).resolves.toContain(`Re-run of #${failedRunId}`);
    const rerun = await finished(rerunId);
    expect(rerun).toMatchObject({ rerun_of: failedRunId, rerun_scope: 'failed', total_tests: 1, failed_tests: 1 });
    // The re-run's failure is one the project knows from the original run.
    await page.locator('[data-testid=run-status][data-status=failed]').waitFor();
    await page.locator('[data-testid=failure-groups] [data-testid=group-known]').waitFor();
    await page.context().close();
  }, 300_000);

  it("the project's Test health page lists the failing test; an admin quarantines it there, sees it quarantined, and lifts it", async () => {
    const page = await adminPage('test-health');
    await page.goto(`${stack.boardUrl}/projects/${projectId}`);
    await page.getByTestId('test-health-link').click();
    await page.waitForURL(`**/projects/${projectId}/tests`);
    await page.selectOption('select[name=view]', 'all');
    const row = page.locator(`[data-testid=tests] tr[data-node-id="${FAILING_TEST_ID}"]`);
    await row.waitFor();
    await expect(row.getByTestId('classification').textContent()).resolves.toBe('new');
    expect(await page.locator('[data-testid=tests] tbody tr').count()).toBe(5);
    await row.locator('.sparkline[data-ready=true]').waitFor();

    await row.getByTestId('quarantine').click();
    await page.fill('[data-testid=quarantine-form] input[name=reason]', 'VAT not implemented yet');
    await page.fill('[data-testid=quarantine-form] input[name=owner]', '@shop-team');
    await page.fill('[data-testid=quarantine-form] input[name=expires]', '2099-01-31');
    await page.getByTestId('quarantine-submit').click();
    await row.getByTestId('quarantined').waitFor();
    await expect(row.getByTestId('quarantine-owner').textContent()).resolves.toBe('@shop-team');
    await expect(row.getByTestId('quarantine-expiry').textContent()).resolves.toContain('until 2099-01-31');
    await page.locator(`[data-testid=quarantines] tr[data-node-id="${FAILING_TEST_ID}"]`).waitFor();

    const quarantines = await call<{ items: { node_id: string; owner: string; reason: string; expires_at: string; active: boolean }[] }>('GET', `/api/v1/projects/${projectId}/quarantine`);
    expect(quarantines.body.items).toEqual([
      expect.objectContaining({ node_id: FAILING_TEST_ID, owner: '@shop-team', reason: 'VAT not implemented yet', expires_at: '2099-01-31T23:59:59.000Z', active: true }),
    ]);

    // The filter shows it among the quarantined tests only.
    await page.selectOption('select[name=quarantined]', 'true');
    await page.locator('[data-testid=tests] tbody tr').first().waitFor();
    await expect.poll(() => page.locator('[data-testid=tests] tbody tr').count()).toBe(1);

    // Lifted from the page: the test counts again, and the API says the quarantine is over.
    await page.selectOption('select[name=quarantined]', '');
    await row.getByTestId('lift').click();
    await page.locator('[data-testid=quarantines]').waitFor({ state: 'detached' });
    await row.getByTestId('quarantine').waitFor();
    const lifted = await call<{ items: { active: boolean; lift_reason: string | null; lifted_by: string | null }[] }>('GET', `/api/v1/projects/${projectId}/quarantine`);
    expect(lifted.body.items).toEqual([expect.objectContaining({ active: false, lift_reason: 'lifted', lifted_by: 'admin' })]);
    await page.context().close();
  }, 120_000);
});

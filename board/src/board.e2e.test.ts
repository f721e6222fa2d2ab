import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createFixtureRepository, type FixtureRepository } from '@qatron/activities/testing/fixture-repo';
import { stackPlace, startStack, type StartedStack } from '@qatron/scripts/testing/npm-start';

/**
 * PRD 21.2 scenario 1 in a real browser (issue "The Board", Done when), against the stack that
 * `npm start` runs, Board included: sign in as admin/admin, create a project, configure (and edit) an
 * environment and a suite, trigger a run, watch it finish live (the status changes on the page
 * without a reload), open the Allure report link; then a viewer sees no create or cancel buttons
 * where an admin does. A failing step leaves a screenshot and prints its path.
 */
let place: Awaited<ReturnType<typeof stackPlace>>;
let stack: StartedStack;
let browser: Browser;
let work: string;
let repo: FixtureRepository;
let shots: string;

const FINAL = ['completed', 'failed', 'partial_failed', 'timed_out', 'infra_failed', 'cancelled'];

/** Debian's Chromium through playwright-core (DESIGN "Toolchain"); never a downloaded browser. */
function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A fresh browser session (own sessionStorage) whose page is screenshotted if the test fails. */
async function session(name: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  onTestFailed(async () => {
    const file = join(shots, `${name}-${Date.now()}.png`);
    const taken = await page.screenshot({ path: file, fullPage: true }).then(() => true, () => false);
    if (taken) console.error(`screenshot of the failed step: ${file}\nlast output of the stack:\n${stack.output().slice(-3000)}`);
  });
  return { context, page };
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto(stack.boardUrl);
  await page.waitForURL('**/login');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
}

/** The API over plain HTTP, for what the scenario does not do in the browser (a viewer account, a second run). */
async function call<T = any>(method: string, path: string, token: string | null, json?: unknown): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (json !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${stack.apiUrl}${path}`, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

async function login(username: string, password: string): Promise<string> {
  const res = await fetch(`${stack.apiUrl}/api/v1/auth/login`, { method: 'POST', body: new URLSearchParams({ username, password }) });
  return ((await res.json()) as { access_token: string }).access_token;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'qatron-board-e2e-'));
  // Outside `work`, which is removed: the screenshots of failed steps stay for a person to look at.
  shots = await mkdtemp(join(tmpdir(), 'qatron-board-e2e-screenshots-'));
  place = await stackPlace();
  [stack, repo, browser] = await Promise.all([
    startStack(place),
    // A slow file the "slow" suite selects, so that one run stays live long enough to be cancelled.
    createFixtureRepository(join(work, 'repo'), { variant: 'green', slowFiles: { count: 1, seconds: 60 } }),
    launch(),
  ]);
}, 200_000);

afterAll(async () => {
  await browser?.close();
  if (stack) await stack.stop();
  await place?.remove();
  if (work) await rm(work, { recursive: true, force: true });
  // Kept only when a step failed and left a screenshot in it.
  if (shots && (await readdir(shots)).length === 0) await rm(shots, { recursive: true, force: true });
});

describe('the Board in Chromium against npm start', () => {
  let projectId: number;

  it('serves the single-page app on its own port, and the API beside it', async () => {
    const page = await fetch(`${stack.boardUrl}/runs/42`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app"></div>');
    expect((await fetch(`${stack.boardUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${stack.boardUrl}/api/v1/projects`)).status).toBe(401);
    expect((await fetch(`${stack.boardUrl}/assets/missing.js`)).status).toBe(404);
  });

  it('PRD 21.2 scenario 1: admin creates a project, an environment and a suite, runs it and watches it finish live', async () => {
    const { context, page } = await session('admin-scenario');
    await signIn(page, 'admin', 'admin');
    await expect(page.getByTestId('who').textContent()).resolves.toContain('admin');

    await page.getByRole('link', { name: 'Projects' }).click();
    await page.getByTestId('new-project').click();
    await page.fill('[data-testid=project-form] input[name=name]', 'shop');
    await page.fill('[data-testid=project-form] input[name=repo_url]', repo.path);
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.waitForURL(/\/projects\/\d+$/);
    projectId = Number(new URL(page.url()).pathname.split('/').pop());
    await page.getByRole('heading', { name: 'shop' }).waitFor();

    await page.fill('input[name=environment_name]', 'staging');
    await page.selectOption('select[name=kind]', 'staging');
    await page.fill('input[name=base_url]', 'https://staging.shop.example.test');
    await page.getByRole('button', { name: 'Add environment' }).click();
    await page.locator('[data-testid=environments] td', { hasText: 'staging.shop.example.test' }).waitFor();

    // Editing the environment changes it in the API, not only on the page.
    await page.locator('[data-testid=environments] tr[data-environment=staging]').getByTestId('edit-environment').click();
    await page.fill('[data-testid=environment-edit-form] input[name=base_url]', 'https://staging2.shop.example.test');
    await page.getByRole('button', { name: 'Save environment' }).click();
    await page.locator('[data-testid=environments] td', { hasText: 'staging2.shop.example.test' }).waitFor();
    const environments = await call<{ items: { name: string; base_url: string }[] }>('GET', `/api/v1/projects/${projectId}/environments`, await login('admin', 'admin'));
    expect(environments.body.items.map((e) => [e.name, e.base_url])).toEqual([['staging', 'https://staging2.shop.example.test']]);

    await page.fill('input[name=suite_name]', 'smoke');
    await page.fill('input[name=markers]', 'smoke');
    await page.fill('input[name=shards]', '2');
    await page.getByRole('button', { name: 'Add suite' }).click();
    await page.locator('[data-testid=suites] td', { hasText: 'smoke' }).first().waitFor();

    // Bad input shows the API's problem detail, not a crash.
    await page.fill('input[name=suite_name]', 'broken');
    await page.fill('input[name=markers]', 'smoke and (');
    await page.getByRole('button', { name: 'Add suite' }).click();
    await expect(page.getByTestId('action-error').textContent()).resolves.toContain('markers: has unbalanced parentheses');

    await page.getByTestId('trigger-run').click();
    await page.waitForURL(/\/runs\/\d+$/);
    const runId = Number(new URL(page.url()).pathname.split('/').pop());
    // A marker on the window: it survives only if the page is never reloaded.
    await page.evaluate("window.liveMarker = 'same page'");

    const seen: string[] = [];
    const deadline = Date.now() + 150_000;
    for (;;) {
      const status = await page.getByTestId('run-status').getAttribute('data-status');
      if (status && seen.at(-1) !== status) seen.push(status);
      if (status && FINAL.includes(status)) break;
      if (Date.now() > deadline) throw new Error(`run ${runId} did not finish in the browser; statuses seen: ${seen.join(' → ')}`);
      await page.waitForTimeout(250);
    }
    expect(seen.at(-1)).toBe('completed');
    expect(seen.length, `statuses seen: ${seen.join(' → ')}`).toBeGreaterThan(1);
    expect(await page.evaluate('window.liveMarker')).toBe('same page');
    const api = await call<{ passed_tests: number; total_tests: number }>('GET', `/api/v1/runs/${runId}`, await login('admin', 'admin'));
    await expect(page.getByTestId('passed-tests').textContent()).resolves.toBe(String(api.body.passed_tests));
    expect(api.body.passed_tests).toBeGreaterThan(0);
    await page.locator('[data-testid=shards] tbody tr').nth(1).waitFor();
    await page.locator('[data-testid=artifacts] td', { hasText: 'allure_report' }).first().waitFor();

    // The Allure report opens from its link, in a new tab, without the Board's token.
    const link = page.getByTestId('report-link');
    await link.waitFor();
    const [report] = await Promise.all([context.waitForEvent('page'), link.click()]);
    await report.waitForLoadState('load');
    expect(await report.evaluate('document.readyState')).toBe('complete');
    expect(new URL(report.url()).pathname).toBe(`/api/v1/runs/${runId}/report/`);
    // The Allure report names itself after the run's project, suite and environment.
    await expect(report.title()).resolves.toBe('shop · smoke · staging');

    // The dashboard draws its charts from the run.
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.locator('[aria-label="Runs by status"][data-ready=true]').waitFor();

    // The project's BDD features, indexed from the repository: the tree, then a feature's scenarios with status chips.
    await page.goto(`${stack.boardUrl}/projects/${projectId}`);
    await page.getByTestId('features-tab').click();
    await page.locator('[data-testid=feature-tree] button.link').first().click();
    await page.locator('.panel .tree [data-status]').first().waitFor();
    expect(await page.locator('.panel .tree [data-status]').count()).toBeGreaterThan(0);
    await context.close();
  });

  it('a viewer sees no create, trigger or cancel buttons; an admin sees cancel on a live run', async () => {
    const adminToken = await login('admin', 'admin');
    const created = await call('POST', '/api/v1/auth/register', adminToken, { username: 'vera', email: 'vera@example.test', password: 'viewer-password', role: 'viewer' });
    expect(created.status).toBe(201);
    const slow = await call<{ id: number }>('POST', `/api/v1/projects/${projectId}/suites`, adminToken, { name: 'slow', paths: ['tests/test_slow_1.py'] });
    expect(slow.status).toBe(201);
    const run = await call<{ id: number }>('POST', '/api/v1/runs', adminToken, { project_id: projectId, suite: 'slow', environment: 'staging' });
    expect(run.status).toBe(201);

    const viewer = await session('viewer');
    await signIn(viewer.page, 'vera', 'viewer-password');
    await viewer.page.getByRole('link', { name: 'Projects' }).click();
    await viewer.page.locator('[data-testid=projects] a', { hasText: 'shop' }).waitFor();
    expect(await viewer.page.getByTestId('new-project').count()).toBe(0);
    expect(await viewer.page.getByRole('link', { name: 'Configuration' }).count()).toBe(0);
    await viewer.page.locator('[data-testid=projects] a', { hasText: 'shop' }).click();
    await viewer.page.locator('[data-testid=suites]').getByRole('cell', { name: 'slow', exact: true }).waitFor();
    for (const testId of ['trigger-form', 'environment-form', 'suite-form', 'edit-project', 'delete-project', 'edit-environment', 'edit-suite']) {
      expect(await viewer.page.getByTestId(testId).count(), testId).toBe(0);
    }
    await viewer.page.goto(`${stack.boardUrl}/runs/${run.body.id}`);
    await viewer.page.getByTestId('run-status').waitFor();
    expect(FINAL).not.toContain(await viewer.page.getByTestId('run-status').getAttribute('data-status'));
    expect(await viewer.page.getByTestId('cancel-run').count()).toBe(0);
    await viewer.context.close();

    // The same live run, as an admin: the cancel button is there and cancels it.
    const admin = await session('admin-cancel');
    await signIn(admin.page, 'admin', 'admin');
    await admin.page.goto(`${stack.boardUrl}/runs/${run.body.id}`);
    admin.page.once('dialog', (dialog) => void dialog.accept());
    await admin.page.getByTestId('cancel-run').click();
    await admin.page.locator('[data-testid=run-status][data-status=cancelled]').waitFor();
    expect((await call<{ status: string }>('GET', `/api/v1/runs/${run.body.id}`, adminToken)).body.status).toBe('cancelled');
    await admin.context.close();
  });

  it('is usable on a narrow screen: the menu folds, pages do not scroll sideways', async () => {
    const { context, page } = await session('narrow');
    await page.setViewportSize({ width: 390, height: 844 });
    await signIn(page, 'admin', 'admin');
    await page.goto(`${stack.boardUrl}/runs`);
    await page.locator('[data-testid=runs] tbody tr').first().waitFor();
    // Wide tables scroll inside their own box; the page itself fits the screen.
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    expect(await page.getByRole('link', { name: 'Projects' }).isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('link', { name: 'Projects' }).click();
    await page.waitForURL('**/projects');
    await page.locator('[data-testid=projects] a', { hasText: 'shop' }).waitFor();
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await context.close();
  });

  it('a lapsed session sends the user to /login, and back after signing in', async () => {
    const { context, page } = await session('expired');
    await signIn(page, 'admin', 'admin');
    await page.evaluate("sessionStorage.setItem('qatron.token', 'not-a-valid-token')");
    await page.goto(`${stack.boardUrl}/runs`);
    await page.waitForURL('**/login');
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', 'admin');
    await page.click('button[type=submit]');
    await page.waitForURL('**/runs');
    await page.getByRole('heading', { name: 'Runs' }).waitFor();
    await context.close();
  });
});

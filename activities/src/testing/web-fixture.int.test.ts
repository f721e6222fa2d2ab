import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectTests } from '../execution/collect.js';
import { runShard } from '../execution/shard-runner.js';
import { fixtureEnvironment } from './fixture-environment.js';
import { createWebFixtureRepo, WEB_FAILING_TEST_ID, type WebFixtureRepository } from './web-fixture.js';

const run = promisify(execFile);

/**
 * The browser fixture repository under real pytest in the environment a worker builds (its pinned
 * pytest, pytest-bdd, selenium, allure-pytest and the framework), with a local headless Chromium
 * (no SELENIUM_REMOTE_URL): the e2e tests run the same files through the Grid.
 */
let root: string;
let repo: WebFixtureRepository;
let python: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'qatron-web-fixture-'));
  repo = await createWebFixtureRepo(join(root, 'repo'));
  python = (await fixtureEnvironment(repo.dir)).python;
}, 300_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('createWebFixtureRepo', () => {
  it('commits the web template and the failing test on main', async () => {
    const { stdout } = await run('git', ['log', '--format=%H %s', 'main'], { cwd: repo.dir });
    expect(stdout.trim()).toBe(`${repo.commit} browser tests (one failing)`);
    expect(repo.tests).toEqual({
      passing: [
        'tests/test_pages.py::test_home_page_has_a_title',
        'tests/test_pages.py::test_home_page_links_to_the_sign_in_page',
        'tests/test_sign_in.py::test_a_visitor_is_welcomed_by_name_after_signing_in',
      ],
      failing: ['tests/test_failing.py::test_home_page_title_is_wrong'],
    });
    expect(await readFile(join(repo.dir, 'qatron.yaml'), 'utf8')).toContain(`repo_url: "file://${repo.dir}"`);
  });

  it('leaves the failing test out with failing: false', async () => {
    const green = await createWebFixtureRepo(join(root, 'green'), { failing: false });
    expect(green.tests.failing).toEqual([]);
    expect(await readdir(join(green.dir, 'tests'))).toEqual(['test_pages.py', 'test_sign_in.py']);
  });

  it('collects exactly the node ids it returns (the files parse, the scenario is found)', async () => {
    const collected = await collectTests(python, repo.dir, { paths: [], markers: '', keywords: '' });
    expect([...collected].sort()).toEqual([...repo.tests.passing, ...repo.tests.failing].sort());
  });

  it('passes 3 and fails 1 in a local Chromium, the failure leaving its screenshot and page source', async () => {
    const artifacts = join(root, 'artifacts');
    await mkdir(artifacts);
    const result = await runShard({
      python,
      checkoutDir: repo.dir,
      testIds: [...repo.tests.passing, ...repo.tests.failing],
      outDir: join(root, 'shard'),
      env: { QATRON_ARTIFACTS_DIR: artifacts },
      retries: 0,
      workersPerShard: 0,
      coverage: false,
      signal: new AbortController().signal,
      onProgress: () => {},
      sandbox: { writable: [artifacts] },
    });
    const outcomes = Object.fromEntries(result.results.map((r) => [r.nodeId, r.outcome]));
    expect(outcomes).toEqual({ ...Object.fromEntries(repo.tests.passing.map((id) => [id, 'passed'])), [WEB_FAILING_TEST_ID]: 'failed' });
    expect(result.results.find((r) => r.nodeId === WEB_FAILING_TEST_ID)?.message).toContain("assert 'Demo shop' == 'Welcome to the demo shop'");
    const stem = 'tests_test_failing.py_test_home_page_title_is_wrong';
    expect(await readdir(join(artifacts, 'screenshots'))).toEqual([`${stem}.png`]);
    expect(await readdir(join(artifacts, 'pages'))).toEqual([`${stem}.html`]);
    expect(await readFile(join(artifacts, 'pages', `${stem}.html`), 'utf8')).toContain('<title>Demo shop</title>');
  }, 180_000);
});

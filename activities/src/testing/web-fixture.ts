/**
 * The browser fixture repository (issue 16 item 6): what `qatron init --template web` writes (a
 * static site its conftest serves on 127.0.0.1, two page tests and a pytest-bdd scenario through the
 * framework's `browser` fixture), plus, unless told otherwise, one browser test that fails on a real
 * assertion, so a run leaves a screenshot and a page source. The e2e tests run it through the Grid.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { chooseTemplate, projectNames, renderRepository } from '@qatron/cli/src/commands/init.js';
import { commitChange } from './fixture-repo.js';

const run = promisify(execFile);

/** The QAtron project name the template is rendered with. */
export const WEB_FIXTURE_PROJECT = 'shop-ui';

/** Node ids of the template's tests, in collection order: all pass against its own site. */
export const WEB_PASSING_TEST_IDS = [
  'tests/test_pages.py::test_home_page_has_a_title',
  'tests/test_pages.py::test_home_page_links_to_the_sign_in_page',
  'tests/test_sign_in.py::test_a_visitor_is_welcomed_by_name_after_signing_in',
] as const;

/** The test `failing` adds: it opens the home page and expects a title the page does not have. */
export const WEB_FAILING_TEST_ID = 'tests/test_failing.py::test_home_page_title_is_wrong';

const FAILING_TEST = `"""Fails on purpose (QAtron's own tests): a real assertion on a real page, so the framework
leaves the failure's screenshot and page source."""


def test_home_page_title_is_wrong(qatron_page):
    assert qatron_page("/").title == "Welcome to the demo shop"
`;

export interface WebFixtureOptions {
  /** Add tests/test_failing.py (default true). */
  failing?: boolean;
}

export interface WebFixtureRepository {
  dir: string;
  commit: string;
  branch: 'main';
  tests: { passing: string[]; failing: string[] };
}

/**
 * Creates the browser fixture repository in `dir` (created if missing, must be empty) as a git
 * repository with one commit on `main`; its qatron.yaml's repo_url is `file://<dir>`.
 */
export async function createWebFixtureRepo(dir: string, options: WebFixtureOptions = {}): Promise<WebFixtureRepository> {
  const path = resolve(dir);
  await mkdir(path, { recursive: true });
  if ((await readdir(path)).length > 0) throw new Error(`${path} is not empty`);
  const failing = options.failing ?? true;
  const rendered = await renderRepository({ ...projectNames(WEB_FIXTURE_PROJECT), repo_url: `file://${path}` }, chooseTemplate('web').dir);
  const files = Object.fromEntries(rendered.map((file) => [file.path, file.content]));
  if (failing) files['tests/test_failing.py'] = FAILING_TEST;
  await run('git', ['init', '--quiet', '--initial-branch=main'], { cwd: path, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', GIT_CONFIG_NOSYSTEM: '1' } });
  const commit = await commitChange(path, files, `browser tests${failing ? ' (one failing)' : ''}`);
  return { dir: path, commit, branch: 'main', tests: { passing: [...WEB_PASSING_TEST_IDS], failing: failing ? [WEB_FAILING_TEST_ID] : [] } };
}

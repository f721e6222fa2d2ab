import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureEnvironment, FRAMEWORK_DIR } from '../testing/fixture-environment.js';
import { createFixtureRepository } from '../testing/fixture-repo.js';
import { pytestEnvironment } from './collect.js';
import { runCommand } from './process.js';

// The framework's own pytest suite (pytester), run in the environment the worker builds: the
// plugins and fixtures are tested against the pinned pytest, pytest-xdist, allure-pytest and
// selenium, and the fixture repository's pytest-bdd, that they will meet in runs.
let base: string;
let python: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'qatron-framework-'));
  python = (await fixtureEnvironment((await createFixtureRepository(join(base, 'repo'))).path)).python;
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('the qatron framework package', () => {
  it('passes its pytest suite in the run environment', async () => {
    const result = await runCommand(python, ['-m', 'pytest', '-p', 'no:cacheprovider', '-q', 'tests'], { cwd: FRAMEWORK_DIR, env: pytestEnvironment(python, { PYTHONDONTWRITEBYTECODE: '1' }), tailLines: 200 });
    const output = result.tail.join('\n');
    expect(output).toMatch(/\b\d+ passed in /);
    // Nothing may be skipped here: this environment has pytest-bdd, allure-pytest and selenium, and
    // the bootstrap installs Chromium and chromedriver, so the browser and BDD tests must really run.
    expect(output).not.toMatch(/skipped/);
    expect(result.exitCode, output).toBe(0);
    // About 20 s alone; real browsers and xdist sessions take longer on a loaded 2-core machine.
  }, 180_000);
});

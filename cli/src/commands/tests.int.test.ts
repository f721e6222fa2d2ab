import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestHealth, type Environment, type Project, type Suite, type TestOutcome } from '@qatron/domain';
import { buildEnvironment, buildProject, buildSuite } from '@qatron/domain/testing';
import { DEFAULT_TEST_HEALTH_POLICY } from '@qatron/domain/test-health/classify';
import { appendToWindow, type WindowEntry } from '@qatron/domain/test-health/window';
import { startTestApi, type TestApi } from '@qatron/api/testing/harness';
import { runQatronAs } from '../testing/bin.js';


let api: TestApi;
let home: string;
let token: string;
let project: Project;

const FLAKY = 'tests/test_checkout.py::test_payment_timeout';
const BROKEN = 'tests/test_pricing.py::test_discount[10-0.9]';
const STABLE = 'tests/test_cart.py::test_add';

/** A health row as finalizing runs leaves it: the window of `history` (`P@a F@b …`, run ids 101, 102, …). */
async function health(suite: Suite, environment: Environment, nodeId: string, history: string) {
  const entries = history.split(' ').map((token, i): WindowEntry => {
    const [letter, commit] = token.split('@');
    const outcome: TestOutcome = letter === 'F' ? 'failed' : 'passed';
    return { run_id: 101 + i, outcome, commit: commit!, retried: false, duration_seconds: 0.5 + i / 10, at: new Date(Date.UTC(2026, 11, 1 + i)).toISOString() };
  });
  const row = new TestHealth({ organization: project.organization, project: project.id, suite: suite.id, environment: environment.id }, nodeId, new Date(entries[0]!.at));
  row.assess(appendToWindow([], entries, DEFAULT_TEST_HEALTH_POLICY.window), DEFAULT_TEST_HEALTH_POLICY);
  await api.orm.em.fork().persist(row).flush();
}

beforeAll(async () => {
  api = await startTestApi();
  home = await mkdtemp(join(tmpdir(), 'qatron-cli-tests-'));
  ({ token } = await api.userWithToken('viewer'));
  const em = api.orm.em.fork();
  project = await buildProject(em, { organization: api.organization, name: 'shop' });
  const regression = await buildSuite(em, { project, name: 'regression' });
  const smoke = await buildSuite(em, { project, name: 'smoke' });
  const staging = await buildEnvironment(em, { project, kind: 'staging', name: 'staging' });
  await health(regression, staging, FLAKY, 'P@a F@a P@a P@b F@b P@c');
  await health(regression, staging, BROKEN, 'P@a P@a P@b P@b F@c F@c');
  await health(regression, staging, STABLE, 'P@a P@a P@b P@b P@c P@c');
  await health(smoke, staging, FLAKY, 'P@a F@a P@a F@a P@a F@a');
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
  await api?.close();
});

/** The real bin as a subprocess, signed in through the environment as CI would be. */
const qatron = (args: string[]) => runQatronAs(args, { home, apiUrl: api.url, token });

describe('qatron tests', () => {
  it('lists the flaky tests of a project as a table, worst flip rate first, with why', async () => {
    const result = await qatron(['tests', 'shop', '--flaky']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NODE ID\s+SUITE\s+ENV\s+HEALTH\s+RUNS\s+FAILURES\s+FLIP RATE\s+MEDIAN\s+WHY$/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/test_payment_timeout\s+smoke\s+staging\s+flaky\s+6\s+3\s+100%\s+0\.75s\s+passed and failed on the same commit \(a\)$/);
    expect(lines[2]).toMatch(/test_payment_timeout\s+regression\s+staging\s+flaky\s+6\s+2\s+80%/);
  });

  it('lists broken tests of one suite and environment as JSON or YAML', async () => {
    const json = await qatron(['tests', String(project.id), '--broken', '--suite', 'regression', '--environment', 'staging', '--output', 'json']);
    expect(json.code).toBe(0);
    const broken = JSON.parse(json.stdout);
    expect(broken.map((t: { node_id: string }) => t.node_id)).toEqual([BROKEN]);
    expect(broken[0]).toMatchObject({ classification: 'broken', rule: 'failing_since_clean_history', evidence: { run_ids: [105, 106] }, last_failure_run_id: 106 });
    const yaml = await qatron(['tests', 'shop', '--suite', 'regression', '--sort', 'failures', '--output', 'yaml']);
    expect(yaml.code).toBe(0);
    expect(yaml.stdout).toContain(`node_id: "${BROKEN}"\n  classification: broken\n`);
    expect((await qatron(['tests', 'shop', '--suite', 'nightly', '--output', 'json'])).stdout.trim()).toBe('[]');
  });

  it('refuses conflicting filters (exit 3) and names a project that does not exist', async () => {
    const both = await qatron(['tests', 'shop', '--flaky', '--broken']);
    expect(both.code).toBe(3);
    expect(both.stderr).toContain('give one of --flaky, --broken or --classification');
    const sort = await qatron(['tests', 'shop', '--sort', 'name']);
    expect(sort.code).toBe(3);
    expect(sort.stderr).toContain('--sort must be one of flip_rate, failures, duration, not "name"');
    const missing = await qatron(['tests', 'nowhere']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('project "nowhere" not found');
  });
});

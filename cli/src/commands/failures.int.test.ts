import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestResult, type Run } from '@qatron/domain';
import { fingerprintFailure } from '@qatron/domain/failures/fingerprint';
import { buildEnvironment, buildProject, buildRun, buildSuite } from '@qatron/domain/testing';
import { startTestApi, type TestApi } from '@qatron/api/testing/harness';
import { runQatronAs } from '../testing/bin.js';


let api: TestApi;
let home: string;
let token: string;
let earlier: Run;
let run: Run;

/** A stored failure, fingerprinted as the shard activity does. */
async function fail(target: Run, nodeId: string, message: string, traceback: string | null = null) {
  const em = api.orm.em.fork();
  const row = new TestResult(target, 0, nodeId, nodeId.split('::')[0]!, 'failed', 0.1);
  const group = fingerprintFailure({ message, traceback });
  Object.assign(row, { message, fingerprint: group.fingerprint, exceptionType: group.exceptionType, normalizedMessage: group.normalizedMessage, failureFrame: group.frame });
  await em.persist(row).flush();
}

const assertText = (got: number) => `def test_totals(n):\n>       assert total(n) == 100\nE       assert ${got} == 100\n\ntests/test_orders.py:9: AssertionError`;

beforeAll(async () => {
  api = await startTestApi();
  home = await mkdtemp(join(tmpdir(), 'qatron-cli-failures-'));
  ({ token } = await api.userWithToken('viewer'));
  const em = api.orm.em.fork();
  const project = await buildProject(em, { organization: api.organization });
  const suite = await buildSuite(em, { project });
  const environment = await buildEnvironment(em, { project });
  earlier = await buildRun(em, { project, suite, environment, status: 'failed' });
  await fail(earlier, 'tests/test_orders.py::test_totals[1]', 'assert 90 == 100', assertText(90));
  run = await buildRun(em, { project, suite, environment, status: 'failed' });
  await fail(run, 'tests/test_orders.py::test_totals[1]', 'assert 91 == 100', assertText(91));
  await fail(run, 'tests/test_orders.py::test_totals[2]', 'assert 92 == 100', assertText(92));
  await fail(run, 'tests/test_health.py::test_up', "requests.exceptions.ConnectionError: HTTPConnectionPool(host='127.0.0.1', port=8081): Max retries exceeded with url: /health");
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
  await api?.close();
});

/** The real bin as a subprocess, signed in through the environment as CI would be. */
const qatron = (args: string[]) => runQatronAs(args, { home, apiUrl: api.url, token });

describe('qatron failures', () => {
  it("prints a run's failure groups, largest first, new or known", async () => {
    const result = await qatron(['failures', String(run.id)]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const totals = fingerprintFailure({ message: null, traceback: assertText(1) }).fingerprint;
    const refused = fingerprintFailure({ message: "requests.exceptions.ConnectionError: HTTPConnectionPool(host='127.0.0.1', port=1): Max retries exceeded with url: /health", traceback: null }).fingerprint;
    expect(result.stdout).toBe(
      [
        `Run ${run.id}: 3 failure(s) in 2 group(s), 1 new`,
        '',
        `2 × AssertionError (known since run ${earlier.id}) ${totals}`,
        '  at       tests/test_orders.py::test_totals',
        '  message  assert <n> == <n>',
        '  e.g.     assert 91 == 100',
        '  - tests/test_orders.py::test_totals[1]',
        '  - tests/test_orders.py::test_totals[2]',
        '',
        `1 × requests.exceptions.ConnectionError (NEW) ${refused}`,
        '  at       (no frame in the repository)',
        "  message  HTTPConnectionPool(host='<ip>', port=<n>): Max retries exceeded with url: /health",
        "  e.g.     requests.exceptions.ConnectionError: HTTPConnectionPool(host='127.0.0.1', port=8081): Max retries exceeded with url: /health",
        '  - tests/test_health.py::test_up',
        '',
      ].join('\n'),
    );
  });

  it('answers the API document with --output json', async () => {
    const result = await qatron(['failures', String(run.id), '--output', 'json']);
    expect(result.code).toBe(0);
    const answer = JSON.parse(result.stdout);
    expect(answer).toMatchObject({ run_id: run.id, failures: 3, ungrouped: 0 });
    expect(answer.groups.map((g: { count: number; known: boolean; first_seen_run_id: number }) => [g.count, g.known, g.first_seen_run_id])).toEqual([
      [2, true, earlier.id],
      [1, false, run.id],
    ]);
  });

  it('refuses a RUN that is not an id (exit 3) and names a run that does not exist (exit 4)', async () => {
    const usage = await qatron(['failures', 'latest']);
    expect(usage.code).toBe(3);
    expect(usage.stderr).toContain('RUN must be a run id, not "latest"');
    const missing = await qatron(['failures', '2147483000']);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('2147483000');
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestResult, type Run } from '@qatron/domain';
import { buildEnvironment, buildProject, buildRun, buildSuite } from '@qatron/domain/testing';
import { startTestApi, type TestApi } from '@qatron/api/testing/harness';
import { runQatronAs } from '../testing/bin.js';

const COMMIT = '9c1e0b7a2d3f4e5a6b7c8d9e0f1a2b3c4d5e6f70';

let api: TestApi;
let home: string;
let token: string;

beforeAll(async () => {
  api = await startTestApi();
  home = await mkdtemp(join(tmpdir(), 'qatron-cli-rerun-'));
  ({ token } = await api.userWithToken('user'));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
  await api?.close();
});

/** The real bin as a subprocess, signed in through the environment as CI would be. */
const qatron = (args: string[]) => runQatronAs(args, { home, apiUrl: api.url, token });

/** A failed run at COMMIT: shard 0 with one failed test, shard 1 with two passed ones. */
async function failedRun(status: Run['status'] = 'failed') {
  const em = api.orm.em.fork();
  const project = await buildProject(em, { organization: api.organization });
  const suite = await buildSuite(em, { project, name: 'regression' });
  const environment = await buildEnvironment(em, { project, name: 'staging', kind: 'staging' });
  const run = await buildRun(em, { project, suite, environment, status });
  run.commit = COMMIT;
  run.runMetadata = { shard_count: 2 };
  em.persist(new TestResult(run, 0, 'tests/test_orders.py::test_cancel_order', 'tests/test_orders.py', 'failed', 0.4));
  em.persist(new TestResult(run, 1, 'tests/test_users.py::test_sign_up', 'tests/test_users.py', 'passed', 0.2));
  em.persist(new TestResult(run, 1, 'tests/test_users.py::test_sign_in[admin]', 'tests/test_users.py', 'passed', 0.3));
  await em.flush();
  return run;
}

describe('qatron rerun', () => {
  it('re-runs the failed tests by default and says so; --output json answers the new run', async () => {
    const run = await failedRun();
    const plain = await qatron(['rerun', String(run.id)]);
    expect(plain.stderr).toBe('');
    expect(plain.code).toBe(0);
    // The new run's line, then its Board link.
    const [, id, boardId] = /^Run (\d+) queued: re-runs the failed tests of run \d+ on [0-9a-f]+\nhttp:\/\/127\.0\.0\.1:\d+\/runs\/(\d+)\n$/.exec(plain.stdout) ?? [];
    expect(plain.stdout).toContain(`of run ${run.id} on ${COMMIT}\n`);
    expect(Number(id)).toBeGreaterThan(run.id);
    expect(boardId).toBe(id);

    const json = await qatron(['rerun', String(run.id), '--shards', '1, 0', '--output', 'json']);
    expect(json.code).toBe(0);
    const created = JSON.parse(json.stdout);
    expect(created).toMatchObject({ status: 'queued', commit: COMMIT, rerun_of: run.id, rerun_scope: 'shards', run_metadata: { selection: { scope: 'shards', shards: [0, 1], tests: 3 } } });
  });

  it("prints the API's refusal as one line: a live run, an unknown shard", async () => {
    const live = await failedRun('running');
    const refused = await qatron(['rerun', String(live.id), '--failed']);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toBe(`qatron: Conflict: run ${live.id} is running; only a final run can be re-run\n`);

    const run = await failedRun();
    const unknown = await qatron(['rerun', String(run.id), '--shards', '0,2']);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toBe(`qatron: Bad request: run ${run.id} has no shard 2; its shards are 0, 1\n`);
  });

  it('refuses bad usage with exit 3 before asking the API', async () => {
    expect(await qatron(['rerun', 'latest'])).toMatchObject({ code: 3, stderr: 'qatron: RUN must be a run id, not "latest"\n' });
    expect(await qatron(['rerun', '7', '--failed', '--shards', '0'])).toMatchObject({ code: 3, stderr: 'qatron: give --failed or --shards, not both\n' });
    expect(await qatron(['rerun', '7', '--shards', 'first'])).toMatchObject({ code: 3, stderr: 'qatron: --shards must be shard indexes separated by commas (0,2), not "first"\n' });
    expect(await qatron(['rerun', '7', '--timeout', '60'])).toMatchObject({ code: 3, stderr: 'qatron: --timeout needs --wait\n' });
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureEnvironment } from '../testing/fixture-environment.js';
import { COUNTING_FILES } from '../testing/counting-files.js';
import { pytestReference } from '../testing/pytest-summary.js';
import { rejectionOf } from '../testing/rejection.js';
import { createFixtureRepository, FAILING_TEST_ID, FLAKY_STATE_VARIABLE, FLAKY_TEST_ID, GREEN_TEST_IDS, type FixtureRepositoryOptions } from '../testing/fixture-repo.js';
import { collectTests } from './collect.js';
import { addCounts } from '@qatron/domain/runs/outcomes';
import { emptyWorkQueue, seedWorkQueue, takeWork } from '@qatron/domain/runs/work-queue';
import { runShard, SESSION_NODE_ID, type RunShardOptions, type ShardProgress, type WorkSource } from './shard-runner.js';

let base: string;
let python: string;
let counter = 0;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'qatron-shard-'));
  const repo = await createFixtureRepository(join(base, 'env-repo'));
  python = (await fixtureEnvironment(repo.path)).python;
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

/** A fresh fixture checkout and output directory, and runShard options for them. */
async function shard(options: FixtureRepositoryOptions = {}, overrides: Partial<RunShardOptions> = {}) {
  const id = ++counter;
  const repo = await createFixtureRepository(join(base, `repo-${id}`), options);
  const progress: ShardProgress[] = [];
  const run: RunShardOptions = {
    python,
    checkoutDir: repo.path,
    testIds: [...GREEN_TEST_IDS],
    outDir: join(base, `out-${id}`),
    // The tests' own state files live in a directory the sandbox lets them write.
    env: { [FLAKY_STATE_VARIABLE]: join(base, `state-${id}`, 'flaky') },
    sandbox: { writable: [join(base, `state-${id}`)] },
    retries: 0,
    workersPerShard: 0,
    coverage: false,
    signal: new AbortController().signal,
    onProgress: (p) => progress.push(p),
    ...overrides,
  };
  return { repo, run, progress };
}

const tally = (results: { outcome: string }[]) => results.reduce<Record<string, number>>((counts, r) => ({ ...counts, [r.outcome]: (counts[r.outcome] ?? 0) + 1 }), {});

/** Python's view of a coverage data file: the measured paths. */
const coveredPaths = (file: string) =>
  (JSON.parse(execFileSync(python, ['-c', 'import json, sqlite3, sys; print(json.dumps(sorted(r[0] for r in sqlite3.connect(sys.argv[1]).execute("select path from file"))))', file], { encoding: 'utf8' })) as string[]);

/** Processes whose working directory is inside `dir` (pytest and its xdist workers run in the checkout), but the sandbox's own (bwrap). */
async function processesIn(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => '');
    if (cwd === dir || cwd.startsWith(`${dir}/`)) {
      const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ');
      if (!cmdline.startsWith('bwrap ') && cmdline !== '') found.push(`${pid} ${cmdline}`);
    }
  }
  return found;
}

describe('runShard', () => {
  it('runs the green fixture: exact counts, JUnit XML, Allure results, relative coverage and the log', async () => {
    const { run, progress } = await shard({}, { coverage: true });
    const result = await runShard(run);
    expect(result.outcome).toBe('passed');
    expect(result.exitCode).toBe(0);
    expect(result.results.map((r) => r.nodeId)).toEqual(GREEN_TEST_IDS);
    expect(tally(result.results)).toEqual({ passed: 14, skipped: 1 });
    expect(result.results.find((r) => r.nodeId === 'tests/test_pricing.py::test_express_shipping')).toMatchObject({ outcome: 'skipped', attempts: 1, flaky: false, message: 'Skipped: express shipping is not offered yet' });
    expect(result.results.every((r) => r.attempts === 1 && !r.flaky && r.durationSeconds >= 0)).toBe(true);

    expect(result.outputs.junitXml).toEqual([join(run.outDir, 'junit-1.xml')]);
    expect(await readFile(result.outputs.junitXml[0]!, 'utf8')).toMatch(/<testsuite [^>]*errors="0" failures="0" skipped="1" tests="15"/);
    expect((await readdir(result.outputs.allureResultsDir)).filter((f) => f.endsWith('-result.json'))).toHaveLength(15);
    expect(result.outputs.coverageFile).toBe(join(run.outDir, '.coverage'));
    expect(coveredPaths(result.outputs.coverageFile!)).toEqual(expect.arrayContaining(['src/shop/cart.py', 'src/shop/inventory.py', 'src/shop/pricing.py']));
    expect(coveredPaths(result.outputs.coverageFile!).every((path) => !path.startsWith('/'))).toBe(true);
    expect(await readFile(result.outputs.log, 'utf8')).toMatch(/14 passed, 1 skipped/);
    expect(progress.at(-1)).toMatchObject({ total: 15, done: 15, passed: 14, failed: 0, skipped: 1, phase: 'running' });
  });

  it('runs under pytest-xdist with the same results and one combined coverage file', async () => {
    const { run } = await shard({}, { workersPerShard: 2, coverage: true });
    const result = await runShard(run);
    expect(result.outcome).toBe('passed');
    expect(new Set(result.results.map((r) => r.nodeId))).toEqual(new Set(GREEN_TEST_IDS));
    expect(tally(result.results)).toEqual({ passed: 14, skipped: 1 });
    expect(await readFile(result.outputs.log, 'utf8')).toContain('created: 2/2 workers');
    expect(coveredPaths(result.outputs.coverageFile!)).toEqual(expect.arrayContaining(['src/shop/cart.py', 'src/shop/pricing.py']));
  });

  it('reports a failing test as failed, also after retrying it', async () => {
    const { run } = await shard({ variant: 'failing' }, { testIds: [...GREEN_TEST_IDS, FAILING_TEST_ID], retries: 1 });
    const result = await runShard(run);
    expect(result.outcome).toBe('failed');
    expect(result.exitCode).toBe(1);
    expect(tally(result.results)).toEqual({ passed: 14, skipped: 1, failed: 1 });
    expect(result.results.find((r) => r.nodeId === FAILING_TEST_ID)).toEqual({
      nodeId: FAILING_TEST_ID,
      outcome: 'failed',
      categories: ['failed'],
      durationSeconds: expect.any(Number),
      attempts: 2,
      flaky: false,
      message: expect.stringContaining('the cart does not add VAT'),
      properties: {},
    });
    expect(result.outputs.junitXml).toEqual([join(run.outDir, 'junit-1.xml'), join(run.outDir, 'junit-2.xml')]);
    expect(await readFile(join(run.outDir, 'ids-2.txt'), 'utf8')).toBe(`${FAILING_TEST_ID}\n`);
  });

  it('passes a flaky test on its retry and marks it flaky', async () => {
    const { run, progress } = await shard({ variant: 'flaky' }, { testIds: [FLAKY_TEST_ID, ...GREEN_TEST_IDS.slice(0, 4)], retries: 1 });
    const result = await runShard(run);
    expect(result.outcome).toBe('passed');
    expect(result.exitCode).toBe(0);
    expect(result.results.find((r) => r.nodeId === FLAKY_TEST_ID)).toEqual({
      nodeId: FLAKY_TEST_ID,
      outcome: 'passed',
      categories: ['passed'],
      durationSeconds: expect.any(Number),
      attempts: 2,
      flaky: true,
      message: expect.stringContaining('stock not replicated yet'),
      properties: {},
    });
    expect(tally(result.results)).toEqual({ passed: 5 });
    expect(progress.some((p) => p.phase === 'running' && p.failed === 1)).toBe(true);
    expect(progress.at(-1)).toMatchObject({ phase: 'retrying', total: 5, done: 5, passed: 5, failed: 0 });
    const log = await readFile(result.outputs.log, 'utf8');
    expect(log).toContain('===== attempt 1 of 2: 5 test id(s) =====');
    expect(log).toContain('===== attempt 2 of 2: re-running 1 failed test(s) =====');
  });

  it('fails a flaky test without retries', async () => {
    const { run } = await shard({ variant: 'flaky' }, { testIds: [FLAKY_TEST_ID], retries: 0 });
    const result = await runShard(run);
    expect(result.outcome).toBe('failed');
    expect(result.results).toEqual([{ nodeId: FLAKY_TEST_ID, outcome: 'failed', categories: ['failed'], durationSeconds: expect.any(Number), attempts: 1, flaky: false, message: expect.stringContaining('stock not replicated yet'), properties: {} }]);
  });

  it('reports progress while tests finish, with done increasing, about twice a second at most', async () => {
    const slow = Array.from({ length: 4 }, (_, i) => `tests/test_slow_${i + 1}.py::test_slow_${i + 1}`);
    const { run, progress } = await shard({ slowFiles: { count: 4, seconds: 0.5 } }, { testIds: slow });
    const result = await runShard(run);
    expect(result.outcome).toBe('passed');
    expect(result.results.every((r) => r.durationSeconds >= 0.5)).toBe(true);
    expect(progress.length).toBeGreaterThanOrEqual(3);
    const done = progress.map((p) => p.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(done.at(-1)).toBe(4);
    expect(new Set(done).size).toBeGreaterThanOrEqual(3);
    expect(progress.length).toBeLessThanOrEqual(Math.ceil(result.durationSeconds * 2) + 2);
    expect(progress.every((p) => p.total === 4 && p.phase === 'running')).toBe(true);
  });

  it('passes the run environment, not the worker environment, and redacts secrets from log and messages', async () => {
    const secret = 'sk_live_0123456789abcdef';
    const test = [
      'import os',
      '',
      'def test_environment(qatron_env, base_url):',
      '    assert base_url == "https://shop.example.test"',
      '    assert qatron_env["locale"] == "de_DE"',
      '    assert "QATRON_WORKER_ONLY" not in os.environ',
      '    print("using key " + os.environ["PAYMENT_KEY"])',
      '    assert False, "rejected key " + os.environ["PAYMENT_KEY"]',
      '',
    ].join('\n');
    process.env.QATRON_WORKER_ONLY = 'worker-secret';
    try {
      const { run } = await shard(
        { extraFiles: { 'tests/test_environment.py': test } },
        { testIds: ['tests/test_environment.py::test_environment'], env: { QATRON_BASE_URL: 'https://shop.example.test', QATRON_LOCALE: 'de_DE', PAYMENT_KEY: secret }, secrets: [secret] },
      );
      const result = await runShard(run);
      const [only] = result.results;
      expect(only).toMatchObject({ outcome: 'failed', message: 'AssertionError: rejected key ***\nassert False' });
      const log = await readFile(result.outputs.log, 'utf8');
      expect(log).toContain('using key ***');
      expect(log).not.toContain(secret);
    } finally {
      delete process.env.QATRON_WORKER_ONLY;
    }
  });

  it("counts exactly what pytest counts: import-time skips, collection errors, xfail/xpass, aliasing ids, setup and teardown errors", async () => {
    const { repo, run } = await shard({ extraFiles: COUNTING_FILES });
    const planned = await collectTests(python, repo.path, { paths: [], markers: '', keywords: '' });
    expect(planned).toEqual(expect.arrayContaining(['tests/test_reports_export.py', 'tests/test_optional_numpy.py', 'tests/test_outcomes.py::test_aliasing_ids[1_0]', 'tests/test_outcomes.py::test_duplicate_ids[edge0]']));
    const [result, reference] = await Promise.all([runShard({ ...run, testIds: planned }), pytestReference(python, repo.path)]);
    expect(result.counts).toEqual(reference);
    // The fixture exercises every category, so equality above is not trivially 0 = 0.
    expect(Object.values(reference).every((n) => n > 0)).toBe(true);
    expect(result.outcome).toBe('failed');
    const byId = new Map(result.results.map((r) => [r.nodeId, r]));
    expect(byId.get('tests/test_outcomes.py::test_teardown_fails_after_a_pass')).toMatchObject({ outcome: 'error', categories: ['passed', 'error'], message: expect.stringContaining('cart was not emptied') });
    expect(byId.get('tests/test_outcomes.py::test_strict_xpass_is_a_failure')).toMatchObject({ outcome: 'failed', categories: ['failed'] });
    expect(byId.get('tests/test_outcomes.py::test_unexpectedly_fixed')).toMatchObject({ outcome: 'xpassed', message: 'xpassed: fixed upstream?' });
    expect(byId.get('tests/test_optional_numpy.py')).toMatchObject({ outcome: 'skipped', message: expect.stringContaining('numpy_that_is_not_installed') });
    expect(byId.get('tests/test_reports_export.py')).toMatchObject({ outcome: 'error', message: expect.stringContaining("No module named 'shop.reports'") });
  });

  it('pulls its work from the run: two shards (one with two lanes) share one queue, every test runs once, counts equal pytest -rA', async () => {
    // A session fixture records each set-up with its process's identity (not the pid: each lane has
    // a PID namespace of its own): it must live as long as its process, across batches.
    const sessionFixture = 'import os\nimport uuid\nimport pytest\n\nPROCESS = uuid.uuid4().hex\n\n\n@pytest.fixture(scope="session", autouse=True)\ndef shop_session():\n    with open(os.environ["SESSION_LOG"], "a") as log:\n        log.write(f"{PROCESS}\\n")\n    yield\n';
    const sessionLog = join(base, `state-${counter + 1}`, 'sessions.log');
    const { repo, run } = await shard({ extraFiles: { ...COUNTING_FILES, 'tests/conftest.py': sessionFixture } }, { coverage: true });
    run.env = { ...run.env, SESSION_LOG: sessionLog };
    let queue = emptyWorkQueue();
    const seeded: string[][] = [];
    const source = (index: number): WorkSource => ({
      collected: async (files) => {
        seeded.push(files.map((f) => f.file));
        queue = seedWorkQueue(queue, files, {});
      },
      next: async () => {
        const taken = takeWork(queue, index, 1, 2);
        queue = taken.state;
        return taken.files;
      },
    });
    const all = { paths: [], markers: '', keywords: '' };
    const { testIds: _ignored, ...pulled } = run;
    const [a, b, reference] = await Promise.all([
      runShard({ ...pulled, work: { selection: all, source: source(0) }, workersPerShard: 2 }),
      runShard({ ...pulled, outDir: `${run.outDir}-b`, work: { selection: all, source: source(1) } }),
      pytestReference(python, repo.path, [], { SESSION_LOG: `${sessionLog}.reference` }),
    ]);
    const setUps = (await readFile(sessionLog, 'utf8')).trim().split('\n');
    expect(setUps.length).toBe(new Set(setUps).size);
    // Three pytest processes collected, the first seeded the queue; each file went to exactly one of them.
    expect(seeded).toHaveLength(3);
    const ran = [...a.results, ...b.results].map((r) => r.nodeId);
    expect(new Set(ran).size).toBe(ran.length);
    expect(addCounts(a.counts, b.counts)).toEqual(reference);
    expect(a.expectedTests + b.expectedTests).toBe(queue.totalTests);
    // The two lanes' coverage became the shard's one data file.
    expect(a.outputs.coverageFile).toBe(join(run.outDir, '.coverage'));
    expect(coveredPaths(a.outputs.coverageFile!)).toEqual(expect.arrayContaining(['src/shop/pricing.py']));
  });

  it('pulls only the node ids of a re-run\'s selection (issue 15 item 3): the queue is seeded with their files, nothing else runs', async () => {
    const { run } = await shard();
    const nodeIds = [GREEN_TEST_IDS[1]!, 'tests/test_checkout_steps.py::test_discounted_totals[2-pen-1.50-0-3.00]', GREEN_TEST_IDS[GREEN_TEST_IDS.length - 1]!];
    let queue = emptyWorkQueue();
    const source: WorkSource = {
      collected: async (files) => void (queue = seedWorkQueue(queue, files, {})),
      next: async () => {
        const taken = takeWork(queue, 0, 1, 1);
        queue = taken.state;
        return taken.files;
      },
    };
    const { testIds: _ignored, ...pulled } = run;
    // The suite's paths and expressions are not used when node ids are given.
    const result = await runShard({ ...pulled, work: { selection: { paths: ['tests/test_cart.py'], markers: 'smoke', keywords: '', nodeIds }, source } });
    expect(result.results.map((r) => r.nodeId).sort()).toEqual([...nodeIds].sort());
    expect(queue.totalTests).toBe(3);
    expect(result.outcome).toBe('passed');
  });

  it('fails, never passes, when pytest collects none of the shard\'s tests (exit code 5)', async () => {
    const { run } = await shard({}, { testIds: [GREEN_TEST_IDS[0]], retries: 2, env: { PYTEST_ADDOPTS: '-m no_such_marker' } });
    const result = await runShard(run);
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 5, counts: { passed: 0, failed: 0, error: 1, skipped: 0, xfailed: 0, xpassed: 0 } });
    expect(result.results).toEqual([
      { nodeId: SESSION_NODE_ID, outcome: 'error', categories: ['error'], durationSeconds: 0, attempts: 1, flaky: false, message: expect.stringMatching(/^pytest collected none of the shard's 1 test\(s\) \(exit code 5, no tests collected\)/), properties: {} },
    ]);
  });

  it('counts a module that fails to import as an error and still runs the other tests, without retrying it', async () => {
    const { run } = await shard({ extraFiles: { 'tests/test_broken.py': 'import shop.no_such_module\n' } }, { testIds: ['tests/test_broken.py', ...GREEN_TEST_IDS.slice(0, 2)], retries: 2 });
    const result = await runShard(run);
    expect(result.outcome).toBe('failed');
    expect(result.exitCode).toBe(1);
    expect(result.counts).toEqual({ passed: 2, failed: 0, error: 1, skipped: 0, xfailed: 0, xpassed: 0 });
    expect(result.results[0]).toEqual({ nodeId: 'tests/test_broken.py', outcome: 'error', categories: ['error'], durationSeconds: 0, attempts: 1, flaky: false, message: expect.stringContaining("No module named 'shop.no_such_module'"), properties: {} });
    expect(result.outputs.junitXml).toHaveLength(1);
  });

  it('fails with a session error when pytest stops without a failing test', async () => {
    const stop = 'import pytest\n\n\ndef test_stop():\n    pytest.exit("maintenance window")\n';
    const { run } = await shard({ extraFiles: { 'tests/test_stop.py': stop } }, { testIds: [GREEN_TEST_IDS[0], 'tests/test_stop.py::test_stop'], retries: 1 });
    const result = await runShard(run);
    expect(result.outcome).toBe('failed');
    expect(result.exitCode).toBe(2);
    expect(result.results).toEqual([
      { nodeId: GREEN_TEST_IDS[0], outcome: 'passed', categories: ['passed'], durationSeconds: expect.any(Number), attempts: 1, flaky: false, message: null, properties: {} },
      { nodeId: SESSION_NODE_ID, outcome: 'error', categories: ['error'], durationSeconds: 0, attempts: 1, flaky: false, message: expect.stringMatching(/^pytest failed with exit code 2 \(interrupted\): .*maintenance window/), properties: {} },
    ]);
  });

  it('fails with a session error naming a usage error (exit code 4): a test id that no longer exists', async () => {
    const { run } = await shard({}, { testIds: ['tests/test_cart.py::test_that_was_renamed'] });
    const result = await runShard(run);
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 4 });
    expect(result.results).toHaveLength(1);
    expect(result.results[0]!.nodeId).toBe(SESSION_NODE_ID);
    expect(result.results[0]!.message).toMatch(/^pytest failed with exit code 4 \(usage error \(a bad option or ini setting\)\): .*not found: /);
  });

  it('kills pytest and every xdist worker when cancelled, and rejects with an AbortError', async () => {
    const slow = Array.from({ length: 4 }, (_, i) => `tests/test_slow_${i + 1}.py::test_slow_${i + 1}`);
    const controller = new AbortController();
    const { repo, run } = await shard({ slowFiles: { count: 4, seconds: 60 } }, { testIds: slow, workersPerShard: 2, signal: controller.signal });
    const running = runShard(run);
    running.catch(() => undefined);
    // Wait until the controller and both workers are up and sitting in the tests.
    let processes: string[] = [];
    for (let i = 0; i < 200 && processes.length < 3; i++) {
      await sleep(100);
      processes = await processesIn(repo.path);
    }
    expect(processes.length).toBeGreaterThanOrEqual(3);
    expect(processes.some((p) => p.includes('-m pytest'))).toBe(true);

    controller.abort();
    const error = await rejectionOf(running);
    expect(error.name).toBe('AbortError');
    expect(await processesIn(repo.path)).toEqual([]);
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain(run.outDir);
  });

  it('kills what ignores SIGTERM once the grace period is over', async () => {
    const stubborn = [
      'import signal, subprocess, sys, time',
      '',
      'def test_stubborn():',
      '    signal.signal(signal.SIGTERM, signal.SIG_IGN)',
      '    subprocess.Popen([sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(300)"])',
      '    time.sleep(300)',
      '',
    ].join('\n');
    const controller = new AbortController();
    const { repo, run } = await shard({ extraFiles: { 'tests/test_stubborn.py': stubborn } }, { testIds: ['tests/test_stubborn.py::test_stubborn'], signal: controller.signal, killGraceMs: 1000 });
    const running = runShard(run);
    running.catch(() => undefined);
    let processes: string[] = [];
    for (let i = 0; i < 200 && processes.length < 2; i++) {
      await sleep(100);
      processes = await processesIn(repo.path);
    }
    expect(processes.length).toBe(2);
    controller.abort();
    await sleep(300);
    // SIGTERM was ignored by both: they are still there during the grace period.
    expect(await processesIn(repo.path)).toHaveLength(2);
    expect((await rejectionOf(running)).name).toBe('AbortError');
    expect(await processesIn(repo.path)).toEqual([]);
  });

  it('leaves only regular files in the outputs the worker reads afterwards: no symlink a test planted', async () => {
    const planting = [
      'import os',
      '',
      'def test_plants_links():',
      '    out = os.environ["PLANT_DIR"]',
      '    os.symlink("/etc/shadow", os.path.join(out, "allure-results", "stolen-attachment.txt"))',
      '    os.symlink("/etc/shadow", os.path.join(out, "junit-9.xml"))',
      '    os.mkfifo(os.path.join(out, "hang.fifo"))',
      '',
    ].join('\n');
    const { run } = await shard({ extraFiles: { 'tests/test_planting.py': planting } }, { testIds: ['tests/test_planting.py::test_plants_links'] });
    run.env = { ...run.env, PLANT_DIR: run.outDir };
    const result = await runShard(run);
    expect(result).toMatchObject({ outcome: 'passed', exitCode: 0 });
    const left = execFileSync('find', [run.outDir, '!', '-type', 'f', '!', '-type', 'd'], { encoding: 'utf8' });
    expect(left).toBe('');
  });

  it('does not start when already cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const { run } = await shard({}, { signal: controller.signal });
    await expect(runShard(run)).rejects.toMatchObject({ name: 'AbortError' });
  });
});

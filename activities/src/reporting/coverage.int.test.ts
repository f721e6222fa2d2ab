import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAbortError, ShardExecutionError } from '../execution/errors.js';
import { materialize } from '../execution/git.js';
import { runShard, type RunShardOptions, type ShardRunResult } from '../execution/shard-runner.js';
import { fixtureEnvironment } from '../testing/fixture-environment.js';
import { createFixtureRepository, GREEN_TEST_IDS, type FixtureRepository, type FixtureRepositoryOptions } from '../testing/fixture-repo.js';
import { rejectionOf } from '../testing/rejection.js';
import { combineCoverage, CoverageError, CoverageUnavailableError, type CoverageSummary } from './coverage.js';

let base: string;
let python: string;
let counter = 0;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'qatron-coverage-'));
  const repo = await createFixtureRepository(join(base, 'env-repo'));
  python = (await fixtureEnvironment(repo.path)).python;
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const unique = (name: string) => join(base, `${name}-${++counter}`);

/** A fixture repository; the environment of the plain fixture serves every variant (only coverage settings differ). */
const repository = (options: FixtureRepositoryOptions = {}) => createFixtureRepository(unique('repo'), options);

/** A fresh checkout of the repository's commit in its own directory, as a worker materialises it. */
async function checkout(repo: FixtureRepository): Promise<string> {
  const dir = unique('checkout');
  await materialize(join(repo.path, '.git'), repo.commit, dir);
  return dir;
}

/** Runs one shard with coverage in its own checkout. */
async function shard(repo: FixtureRepository, testIds: readonly string[], overrides: Partial<RunShardOptions> = {}): Promise<ShardRunResult> {
  const outDir = unique('shard-out');
  const result = await runShard({
    python,
    checkoutDir: await checkout(repo),
    testIds: [...testIds],
    outDir,
    env: {},
    retries: 0,
    workersPerShard: 0,
    coverage: true,
    signal: new AbortController().signal,
    onProgress: () => undefined,
    ...overrides,
  });
  expect(result.outcome, await readFile(result.outputs.log, 'utf8')).toBe('passed');
  expect(result.outputs.coverageFile).toBe(join(outDir, '.coverage'));
  return result;
}

/** The green fixture's tests, one group per file (the shard planner keeps files whole). */
function byFile(ids: readonly string[]): string[][] {
  const groups = new Map<string, string[]>();
  for (const id of ids) {
    const file = id.split('::')[0]!;
    groups.set(file, [...(groups.get(file) ?? []), id]);
  }
  return [...groups.values()];
}

/** Combines `results`' data files against a fresh checkout of `repo`. */
async function combine(repo: FixtureRepository, results: ShardRunResult[]) {
  return combineCoverage({ python, checkoutDir: await checkout(repo), dataFiles: results.map((r) => r.outputs.coverageFile!), outDir: unique('report') });
}

/** The paths measured in a coverage data file, as stored. */
const measuredPaths = (file: string) =>
  JSON.parse(execFileSync(python, ['-c', 'import json, sqlite3, sys; print(json.dumps(sorted(r[0] for r in sqlite3.connect(sys.argv[1]).execute("select path from file"))))', file], { encoding: 'utf8' })) as string[];

const figures = (summary: CoverageSummary) => Object.fromEntries(summary.files.map((f) => [f.path, { statements: f.statements, missing: f.missing }]));

describe('combineCoverage', () => {
  it('gives a sharded run the coverage of the same tests run in one process', async () => {
    const repo = await repository();
    const groups = byFile(GREEN_TEST_IDS);
    expect(groups.map((g) => g.length)).toEqual([4, 4, 2, 5]);
    // Four shards, each in its own checkout directory (as on four workers), one of them under xdist.
    const [sharded, single] = await Promise.all([Promise.all(groups.map((ids, i) => shard(repo, ids, { workersPerShard: i === 0 ? 2 : 0 }))), shard(repo, GREEN_TEST_IDS)]);
    for (const result of [...sharded, single]) expect(measuredPaths(result.outputs.coverageFile!).every((path) => !path.startsWith('/'))).toBe(true);

    const [combined, inOneProcess, cartShardOnly] = await Promise.all([combine(repo, sharded), combine(repo, [single]), combine(repo, [sharded[0]!])]);
    expect(combined.summary).toEqual(inOneProcess.summary);
    expect(combined.summary).toEqual({
      percent: 95.96,
      coveredLines: 95,
      totalLines: 99,
      files: [
        { path: 'src/shop/__init__.py', percent: 100, statements: 4, missing: 0 },
        { path: 'src/shop/cart.py', percent: 100, statements: 14, missing: 0 },
        // No sale succeeds in the tests.
        { path: 'src/shop/inventory.py', percent: 90.91, statements: 11, missing: 1 },
        // An invalid discount and express shipping (its test is skipped).
        { path: 'src/shop/pricing.py', percent: 75, statements: 8, missing: 2 },
        { path: 'tests/test_cart.py', percent: 100, statements: 20, missing: 0 },
        { path: 'tests/test_checkout_steps.py', percent: 100, statements: 16, missing: 0 },
        { path: 'tests/test_inventory.py', percent: 100, statements: 14, missing: 0 },
        // The skipped test's body.
        { path: 'tests/test_pricing.py', percent: 91.67, statements: 12, missing: 1 },
      ],
    });
    // One shard alone covers less: the total really is the union of the shards.
    expect(cartShardOnly.summary.percent).toBeLessThan(combined.summary.percent);

    expect(combined.xmlPath).toMatch(/\/coverage\.xml$/);
    const xml = await readFile(combined.xmlPath, 'utf8');
    const lineRate = Number(/<coverage [^>]*line-rate="([\d.]+)"/.exec(xml)?.[1]);
    expect(Math.abs(lineRate * 100 - combined.summary.percent)).toBeLessThan(0.01);
    expect(xml).toContain('filename="src/shop/pricing.py"');
    expect((await stat(join(combined.htmlDir, 'index.html'))).isFile()).toBe(true);
    expect(await readFile(join(combined.htmlDir, 'index.html'), 'utf8')).toContain('95.96%');
  });

  it("respects the repository's .coveragerc in the shards and the combined report", async () => {
    const repo = await repository({
      extraFiles: {
        // `parallel` and `data_file` must not move the shard's data file; a whole-suite
        // `fail_under` must not fail a shard that runs a part of the suite.
        '.coveragerc': '[run]\nsource = src\nomit =\n    src/shop/inventory.py\nparallel = True\ndata_file = elsewhere/.coverage\n\n[report]\nfail_under = 100\nexclude_also =\n    raise ValueError\n',
      },
    });
    const [cart, pricing] = byFile(GREEN_TEST_IDS).filter((g) => /test_(cart|pricing)\.py/.test(g[0]!));
    const shards = await Promise.all([shard(repo, cart!), shard(repo, pricing!)]);
    for (const result of shards) {
      expect(result.results.map((r) => r.nodeId)).not.toContain('<pytest session>');
      expect(measuredPaths(result.outputs.coverageFile!).every((path) => path.startsWith('src/shop/') && path !== 'src/shop/inventory.py')).toBe(true);
    }
    const { summary } = await combine(repo, shards);
    // `raise ValueError` lines are excluded: cart.py and pricing.py have one statement fewer.
    expect(figures(summary)).toEqual({
      'src/shop/__init__.py': { statements: 4, missing: 0 },
      'src/shop/cart.py': { statements: 13, missing: 0 },
      'src/shop/pricing.py': { statements: 7, missing: 1 },
    });
    expect(summary.percent).toBe(95.83);
  });

  it("respects the repository's pyproject.toml [tool.coverage] (source, branch, precision)", async () => {
    const repo = await repository({
      extraFiles: { 'pyproject.toml': '[tool.coverage.run]\nsource = ["src"]\nbranch = true\n\n[tool.coverage.report]\nprecision = 1\n' },
    });
    const groups = byFile(GREEN_TEST_IDS);
    const [sharded, single] = await Promise.all([Promise.all(groups.map((ids) => shard(repo, ids))), shard(repo, GREEN_TEST_IDS)]);
    const [combined, inOneProcess] = await Promise.all([combine(repo, sharded), combine(repo, [single])]);
    expect(combined.summary).toEqual(inOneProcess.summary);
    expect(combined.summary.files.map((f) => f.path)).toEqual(['src/shop/__init__.py', 'src/shop/cart.py', 'src/shop/inventory.py', 'src/shop/pricing.py']);
    // The shards measured arcs: branches count in the total, (34 + 5) / (37 + 8), with one decimal.
    expect(combined.summary).toMatchObject({ coveredLines: 34, totalLines: 37, percent: 86.7 });
    expect(await readFile(combined.xmlPath, 'utf8')).toMatch(/<coverage [^>]*lines-valid="37" lines-covered="34" line-rate="0\.9189" branches-valid="8" branches-covered="5"/);
  });

  it('throws CoverageUnavailableError when the data measured no file', async () => {
    const repo = await repository({ extraFiles: { '.coveragerc': '[run]\nsource = nothing_here\n' } });
    const result = await shard(repo, GREEN_TEST_IDS.slice(0, 2));
    const error = await rejectionOf(combine(repo, [result]));
    expect(error).toBeInstanceOf(CoverageUnavailableError);
    expect(error.message).toMatch(/^coverage measured no files \(check the repository's \[run\] source, include and omit\): coverage xml says:\n.*No data to report\./s);
  });

  it("throws CoverageError with coverage.py's output for a corrupt data file", async () => {
    const repo = await repository();
    const corrupt = unique('corrupt');
    await writeFile(corrupt, 'not a coverage data file\n'.repeat(100));
    const error = await rejectionOf<CoverageError>(combineCoverage({ python, checkoutDir: await checkout(repo), dataFiles: [corrupt], outDir: unique('report') }));
    expect(error).toBeInstanceOf(CoverageError);
    expect(error.exitCode).toBe(1);
    expect(error.message).toMatch(/^coverage combine failed \(exit code 1\):\n.*file is not a database/s);
  });
});

describe('combineCoverage cancelled', () => {
  it('rejects with an AbortError', async () => {
    const repo = await repository();
    const data = unique('data');
    await writeFile(data, '');
    const error = await rejectionOf(combineCoverage({ python, checkoutDir: await checkout(repo), dataFiles: [data], outDir: unique('report'), signal: AbortSignal.abort() }));
    expect(isAbortError(error)).toBe(true);
  });
});

describe('runShard with coverage', () => {
  it("fails with ShardExecutionError when the repository's coverage configuration cannot be read", async () => {
    const repo = await repository({ extraFiles: { 'pyproject.toml': '[tool.coverage.run\nsource = ["src"]\n' } });
    const outDir = unique('shard-out');
    const error = await rejectionOf<ShardExecutionError>(runShard({ python, checkoutDir: await checkout(repo), testIds: [GREEN_TEST_IDS[0]], outDir, env: {}, retries: 0, workersPerShard: 0, coverage: true, signal: new AbortController().signal, onProgress: () => undefined }));
    expect(error).toBeInstanceOf(ShardExecutionError);
    expect(error.message).toMatch(/^reading the repository's coverage configuration failed \(exit code 1\):\nqatron\.coverage_rc: could not read pyproject\.toml: /);
  });
});

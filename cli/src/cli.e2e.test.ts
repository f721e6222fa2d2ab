import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '@qatron/scripts/embedded/temporal';
import { stackPlace, startStack, type StartedStack } from '@qatron/scripts/testing/npm-start';

/**
 * The sequence, end to end, against the stack `npm start` runs: qatron login, qatron init,
 * commit it to a git repository, register it, `qatron run --suite smoke --env staging --wait`
 * prints a green summary and exits 0; after a test is made to fail it exits 1; `qatron artifacts
 * download` fetches the Allure report and the coverage XML.
 */
const exec = promisify(execFile);
const QATRON = join(REPO_ROOT, 'cli', 'bin', 'qatron.js');

let place: Awaited<ReturnType<typeof stackPlace>>;
let stack: StartedStack;
let work: string;
let env: Record<string, string | undefined>;

async function qatron(args: string[], cwd = work): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [QATRON, ...args], { cwd, env, timeout: 240_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, env: { ...process.env, GIT_AUTHOR_NAME: 'QA', GIT_AUTHOR_EMAIL: 'qa@example.test', GIT_COMMITTER_NAME: 'QA', GIT_COMMITTER_EMAIL: 'qa@example.test' } });

beforeAll(async () => {
  place = await stackPlace();
  stack = await startStack(place);
  work = await mkdtemp(join(tmpdir(), 'qatron-cli-e2e-'));
  env = { PATH: process.env.PATH, HOME: work, QATRON_CONFIG_DIR: join(work, '.config'), LANG: 'C.UTF-8' };
}, 200_000);

afterAll(async () => {
  if (stack) await stack.stop();
  await place?.remove();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('qatron CLI against npm start', () => {
  let greenRunId: number;
  const demo = () => join(work, 'demo');

  it('logs in, creates a repository with init, registers it and runs the smoke suite green', async () => {
    const login = await qatron(['login', '--url', stack.apiUrl, '--username', 'admin', '--password', 'admin']);
    expect(login.code, login.stderr).toBe(0);
    expect((await qatron(['whoami', '--output', 'json'])).stdout).toContain('"admin"');

    const init = await qatron(['init', 'demo', '--name', 'demo', '--repo-url', join(work, 'demo')]);
    expect(init.code, init.stderr).toBe(0);
    git(demo(), 'init', '--quiet', '--initial-branch=main');
    git(demo(), 'add', '-A');
    git(demo(), 'commit', '--quiet', '-m', 'qatron init');

    const apply = await qatron(['apply'], demo());
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toMatch(/created/);

    // --wait-report: the verdict, then the Allure report attached (the download below needs it).
    const run = await qatron(['run', '--suite', 'smoke', '--env', 'staging', '--wait-report', '--output', 'json'], demo());
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    const result = JSON.parse(run.stdout) as { id: number; status: string; report_status: string; failed_tests: number; passed_tests: number };
    expect(result.status).toBe('completed');
    expect(result.report_status).toBe('ready');
    expect(result.failed_tests).toBe(0);
    expect(result.passed_tests).toBeGreaterThan(0);
    greenRunId = result.id;

    const table = await qatron(['status', String(greenRunId)], demo());
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('completed');
  });

  it('exits 1 when a smoke test fails', async () => {
    const file = join(demo(), 'tests', 'test_cart.py');
    const source = await readFile(file, 'utf8');
    await writeFile(file, source.replace('assert Cart().total() == 0', 'assert Cart().total() == 1'));
    git(demo(), 'commit', '--quiet', '-am', 'break a smoke test');
    const run = await qatron(['run', '--suite', 'smoke', '--env', 'staging', '--wait'], demo());
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(1);
    expect(run.stdout).toContain('failed');
    expect(run.stdout).toContain('test_empty_cart_has_zero_total');
  });

  it('downloads the Allure report and the coverage XML of the green run', async () => {
    const out = join(work, 'artifacts');
    for (const kind of ['report', 'coverage']) {
      const res = await qatron(['artifacts', 'download', String(greenRunId), '--kind', kind, '-o', out]);
      expect(res.code, res.stderr).toBe(0);
    }
    const list = (zip: string) =>
      execFileSync('python3', ['-c', 'import sys,zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', join(out, zip)], { encoding: 'utf8' });
    expect(list(`run-${greenRunId}-report.zip`)).toContain('allure-report/index.html');
    expect(list(`run-${greenRunId}-coverage.zip`)).toContain('coverage.xml');
  });
});

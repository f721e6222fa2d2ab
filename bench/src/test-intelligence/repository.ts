/**
 * The test-health bench's git repository: written once for run 1, then committed again on `main`
 * at every run the plan gives a new commit. Fixed author and dates, so that a seed always gives
 * the same commits.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { renderRepositoryAt } from './render.js';
import { releaseAt, type TestIntelligencePlan } from './plan.js';

const exec = promisify(execFile);

async function git(repo: string, args: string[], date: string): Promise<string> {
  const { stdout } = await exec('git', ['-c', 'commit.gpgsign=false', '-c', 'core.hooksPath=/dev/null', ...args], {
    cwd: repo,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      GIT_AUTHOR_NAME: 'QAtron Bench',
      GIT_AUTHOR_EMAIL: 'bench@qatron.test',
      GIT_COMMITTER_NAME: 'QAtron Bench',
      GIT_COMMITTER_EMAIL: 'bench@qatron.test',
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
      GIT_CONFIG_NOSYSTEM: '1',
      LC_ALL: 'C',
    },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout.trim();
}

/** The n-th commit's date: one hour apart from 2026-01-01. */
const commitDate = (release: number) => new Date(Date.UTC(2026, 0, 1, release)).toISOString();

/** Writes the repository as it stands at run `run` into `dir` and commits it; returns the commit. */
export async function commitRunState(dir: string, plan: TestIntelligencePlan, run: number): Promise<string> {
  const path = resolve(dir);
  const planned = plan.runs[run - 1];
  if (!planned?.newCommit) throw new Error(`the plan makes no commit at run ${run}`);
  for (const [relative, content] of Object.entries(renderRepositoryAt(plan, run))) {
    const target = join(path, relative);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  }
  const date = commitDate(releaseAt(plan, run));
  if (run === 1) await git(path, ['init', '--quiet', '--initial-branch=main'], date);
  await git(path, ['add', '--all'], date);
  await git(path, ['commit', '--quiet', '--message', `Release ${releaseAt(plan, run)}: ${planned.commitReason}`], date);
  return git(path, ['rev-parse', 'HEAD'], date);
}

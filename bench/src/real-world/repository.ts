/**
 * Writes the generated suite as a git repository with one commit on `main`, with a fixed author
 * and date so that the same options always give the same commit.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { renderRepository } from './render.js';
import type { RealWorldSuite } from './suite.js';

const exec = promisify(execFile);

const FIXED_DATE = '2026-01-01T00:00:00Z';
const GIT_ENV = {
  GIT_AUTHOR_NAME: 'QAtron Bench',
  GIT_AUTHOR_EMAIL: 'bench@qatron.test',
  GIT_COMMITTER_NAME: 'QAtron Bench',
  GIT_COMMITTER_EMAIL: 'bench@qatron.test',
  GIT_AUTHOR_DATE: FIXED_DATE,
  GIT_COMMITTER_DATE: FIXED_DATE,
  GIT_CONFIG_NOSYSTEM: '1',
  LC_ALL: 'C',
};

async function git(repo: string, args: string[]): Promise<string> {
  const { stdout } = await exec('git', ['-c', 'commit.gpgsign=false', '-c', 'core.hooksPath=/dev/null', ...args], {
    cwd: repo,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...GIT_ENV },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout.trim();
}

export interface GeneratedRepository {
  path: string;
  commit: string;
  fileCount: number;
}

/** Renders `suite` into `dir` (created) and commits it; returns the path and commit. */
export async function writeRepository(dir: string, suite: RealWorldSuite): Promise<GeneratedRepository> {
  const path = resolve(dir);
  const files = renderRepository(suite);
  for (const [relative, content] of Object.entries(files)) {
    const target = join(path, relative);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  }
  await git(path, ['init', '--quiet', '--initial-branch=main']);
  await git(path, ['add', '--all']);
  await git(path, ['commit', '--quiet', '--message', `realpkg: ${suite.testCount} tests in ${suite.options.files} files (seed ${suite.options.seed})`]);
  return { path, commit: await git(path, ['rev-parse', 'HEAD']), fileCount: Object.keys(files).length };
}

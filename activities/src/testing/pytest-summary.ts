/**
 * pytest's own counts, as its summary line prints them ("3 failed, 6 passed, 4 skipped, 2 xfailed,
 * 1 xpassed, 4 errors in 0.04s"): the reference QAtron's counts are compared with (issue 12 "the
 * run's counts equal the numbers `pytest -rA` prints for the same selection in one process").
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { emptyCounts, type OutcomeCounts, type TestOutcome } from '@qatron/domain/runs/outcomes';
import { pytestEnvironment } from '../execution/collect.js';

const exec = promisify(execFile);

const WORDS: Record<string, TestOutcome> = {
  passed: 'passed',
  failed: 'failed',
  skipped: 'skipped',
  xfailed: 'xfailed',
  xpassed: 'xpassed',
  error: 'error',
  errors: 'error',
};

/** The counts of pytest's final summary line in `output` (the last line that has one). */
export function parsePytestSummary(output: string): OutcomeCounts {
  // pytest colours and frames the line with "=" runs; -q prints it bare.
  // eslint-disable-next-line no-control-regex -- ANSI colour codes are what this strips
  const lines = output.replace(/\u001b\[[0-9;]*m/g, '').split('\n').reverse();
  const isSummary = (l: string) => /\bin [\d.]+s\b/.test(l) && (/\d+ (passed|failed|skipped|xfailed|xpassed|errors?|deselected|warnings?)\b/.test(l) || l.includes('no tests ran'));
  const line = lines.find(isSummary);
  if (line === undefined) throw new Error(`no pytest summary line in:\n${output.slice(-2000)}`);
  const counts = emptyCounts();
  for (const match of line.matchAll(/(\d+) (passed|failed|skipped|xfailed|xpassed|errors?)\b/g)) counts[WORDS[match[2]!]!] += Number(match[1]);
  return counts;
}

/**
 * Runs `python -m pytest -rA --continue-on-collection-errors [args]` in one process in `checkoutDir`
 * (exit codes 0, 1 and 5 are normal) and returns its summary counts. `--continue-on-collection-errors`
 * because that is how QAtron runs a suite: a module that fails to import is an error, and the rest
 * still runs (without it, pytest stops at collection and reports nothing else).
 */
export async function pytestReference(python: string, checkoutDir: string, args: string[] = [], env: Record<string, string> = {}): Promise<OutcomeCounts> {
  const run = exec(python, ['-m', 'pytest', '-rA', '-p', 'no:cacheprovider', '--continue-on-collection-errors', ...args], {
    cwd: checkoutDir,
    env: pytestEnvironment(python, env),
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = await run.then(
    ({ stdout }) => stdout,
    (err: { code?: number; stdout?: string }) => {
      if (err.code === 1 || err.code === 5) return err.stdout ?? '';
      throw err;
    },
  );
  return parsePytestSummary(output);
}

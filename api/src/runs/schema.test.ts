import { describe, expect, it } from 'vitest';
import { isValidBranchName, RunListQuery } from './schema.js';

describe('isValidBranchName', () => {
  it('accepts the branch names git accepts', () => {
    for (const ref of ['main', 'develop', 'release/1.2', 'feature/JIRA-123_fix', 'v1.0.0', 'user@feature', 'a/b/c', 'x'.repeat(255)]) {
      expect(isValidBranchName(ref), ref).toBe(true);
    }
  });

  it('refuses what git refuses, and names that would read as an option', () => {
    for (const ref of ['', '-f', '--upload-pack=x', 'a b', 'a\tb', 'a\u007fb', '../x', 'a..b', 'a//b', '/a', 'a/', 'a.', '.a', 'a/.b', 'a.lock', 'a/b.lock/c', 'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[b', 'a\\b', 'a@{1}', '@', 'x'.repeat(256)]) {
      expect(isValidBranchName(ref), JSON.stringify(ref)).toBe(false);
    }
  });
});

describe('RunListQuery', () => {
  it('splits, trims and de-duplicates a status list', () => {
    expect(RunListQuery.parse({ status: 'failed, partial_failed,failed' }).status).toEqual(['failed', 'partial_failed']);
  });

  it('names every unknown status', () => {
    const result = RunListQuery.safeParse({ status: 'done,running,oops' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => [i.path, i.message.split(';')[0]])).toEqual([[['status'], 'unknown status "done", "oops"']]);
  });
});

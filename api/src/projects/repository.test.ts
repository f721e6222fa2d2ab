import { describe, expect, it } from 'vitest';
import { branchNameProblem, repoUrlProblem } from './repository.js';

describe('repoUrlProblem', () => {
  it.each([
    'https://github.com/acme/tests.git',
    'http://git.internal:8080/repo',
    'ssh://git@git.example.test:2222/team/repo.git',
    'git@github.com:acme/repo.git',
    'deploy@git.example.test:/srv/git/repo.git',
    'file:///srv/repos/tests.git',
    'file://localhost/srv/repos/tests.git',
    '/srv/repos/tests',
  ])('accepts %s', (url) => expect(repoUrlProblem(url)).toBeNull());

  it.each([
    ['ftp://example.test/r.git', /^must be an https/],
    ['ext::sh -c touch% /tmp/pwned', /^must not contain spaces/],
    ['ext::ssh', /^must be an https/],
    ['--upload-pack=x', /^must be an https/],
    ['ssh://-oProxyCommand=x/r', /^must be an https/],
    ['git@github.com:-oProxyCommand=x', /^must be an https/],
    ['git@-oProxyCommand=x:repo', /^must be an https/],
    ['https://user:pass@github.com/r.git', /^must not contain credentials/],
    ['https://ghp_abc@github.com/r.git', /^must not contain credentials/],
    ['ssh://git:pass@host/r.git', /^must not contain credentials/],
    ['file://otherhost/r', /^must be an https/],
    ['relative/repo', /^must be an https/],
    ['/srv/repo\n', /^must not contain control characters/],
  ])('refuses %s', (url, message) => expect(repoUrlProblem(url)).toMatch(message));
});

describe('branchNameProblem', () => {
  it.each(['main', 'release/2.x', 'feature/JIRA-12_fix', 'v1.0'])('accepts %s', (name) => expect(branchNameProblem(name)).toBeNull());
  it.each(['', 'HEAD', '@', '-x', '/x', 'x/', 'x.', 'a..b', 'a//b', 'a@{1}', 'a b', 'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[', 'a\\b', '.hidden', 'x/.y', 'topic.lock', 'x'.repeat(256)])(
    'refuses %j',
    (name) => expect(branchNameProblem(name)).not.toBeNull(),
  );
});

import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitChange, createFixtureRepository, type FixtureRepository } from '../testing/fixture-repo.js';
import { rejectionOf } from '../testing/rejection.js';
import { startGitHttpServer, type GitHttpServer } from '../testing/git-http-server.js';
import { GitError } from './errors.js';
import { materialize, mirrorPath, resolveCommit, syncMirror } from './git.js';

let base: string;
let repo: FixtureRepository;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'qatron-git-'));
  repo = await createFixtureRepository(join(base, 'origin'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const cache = (name: string) => join(base, 'cache', name);
const gitConfig = (mirror: string) => readFile(join(mirror, 'config'), 'utf8');

describe('syncMirror', () => {
  it('mirrors a repository given by an absolute path, then fetches new commits into the same mirror', async () => {
    const mirror = await syncMirror(cache('path'), 1, { repoUrl: repo.path, authMethod: 'none' });
    expect(mirror).toBe(mirrorPath(cache('path'), 1, repo.path));
    expect(await resolveCommit(mirror, { branch: 'main' })).toBe(repo.commit);

    const second = await commitChange(repo.path, { 'tests/test_more.py': 'def test_more():\n    pass\n' }, 'more tests');
    expect(await syncMirror(cache('path'), 1, { repoUrl: repo.path, authMethod: 'none' })).toBe(mirror);
    expect(await resolveCommit(mirror, { branch: 'main' })).toBe(second);
    // The first commit is still there for runs pinned to it.
    expect(await resolveCommit(mirror, { branch: 'main', commit: repo.commit })).toBe(repo.commit);
    expect(await readdir(cache('path'))).toEqual([mirror.split('/').at(-1)]);
  });

  it('mirrors a file:// URL', async () => {
    const url = pathToFileURL(repo.path).toString();
    const mirror = await syncMirror(cache('file'), 2, { repoUrl: url, authMethod: 'none' });
    expect(await gitConfig(mirror)).toContain(`url = ${url}`);
    expect(await resolveCommit(mirror, { branch: 'main', commit: repo.commit })).toBe(repo.commit);
  });

  it('lets two syncs of one mirror run at once', async () => {
    const access = { repoUrl: repo.path, authMethod: 'none' } as const;
    const [a, b] = await Promise.all([syncMirror(cache('race'), 3, access), syncMirror(cache('race'), 3, access)]);
    expect(a).toBe(b);
    expect((await readdir(cache('race'))).sort()).toEqual([a.split('/').at(-1)]);
    expect(await resolveCommit(a, { branch: 'main' })).toMatch(/^[0-9a-f]{40}$/);
  });

  it('reports an unreachable repository as a GitError with git stderr', async () => {
    const attempt = syncMirror(cache('missing'), 4, { repoUrl: join(base, 'no-such-repo'), authMethod: 'none' });
    await expect(attempt).rejects.toThrow(GitError);
    await expect(attempt).rejects.toThrow(/cloning .*no-such-repo failed: fatal: .*does not exist/);
    expect(await readdir(cache('missing'))).toEqual([]);
  });

  it('refuses URLs git could read as options or unsupported transports', async () => {
    await expect(syncMirror(cache('bad'), 5, { repoUrl: '--upload-pack=touch /tmp/x', authMethod: 'none' })).rejects.toThrow(GitError);
    await expect(syncMirror(cache('bad'), 5, { repoUrl: 'ext::sh -c touch% /tmp/x', authMethod: 'none' })).rejects.toThrow('unsupported repository URL');
  });
});

describe('token authentication over HTTP', () => {
  const token = 'ghp_TokenValue1234567890';
  let server: GitHttpServer;

  beforeAll(async () => {
    await mkdir(join(base, 'served'));
    execFileSync('git', ['clone', '--quiet', '--bare', repo.path, join(base, 'served', 'shop.git')]);
    server = await startGitHttpServer(join(base, 'served'), token);
  });
  afterAll(() => server.close());

  it('clones with the token sent as a header, never on a command line or in the mirror config', async () => {
    const processLists: string[] = [];
    server.onRequest = () => processLists.push(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }));
    const mirror = await syncMirror(cache('http'), 10, { repoUrl: server.url('shop.git'), authMethod: 'token', secret: token });
    server.onRequest = undefined;

    expect(await resolveCommit(mirror, { branch: 'main' })).toMatch(/^[0-9a-f]{40}$/);
    const header = `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
    expect(server.authorizations.length).toBeGreaterThan(0);
    expect(server.authorizations.every((a) => a === header)).toBe(true);
    // git was running (waiting on this server) when each process list was taken.
    expect(processLists.some((list) => list.includes('git-remote-http'))).toBe(true);
    for (const list of processLists) {
      expect(list).not.toContain(token);
      expect(list).not.toContain(Buffer.from(`x-access-token:${token}`).toString('base64'));
    }
    const config = await gitConfig(mirror);
    expect(config).toContain(`url = ${server.url('shop.git')}`);
    expect(config).not.toContain(token);
    expect(config).not.toMatch(/extraheader|authorization/i);

    // The fetch of a later sync authenticates the same way.
    const before = server.authorizations.length;
    await syncMirror(cache('http'), 10, { repoUrl: server.url('shop.git'), authMethod: 'token', secret: token });
    expect(server.authorizations.slice(before).every((a) => a === header)).toBe(true);
  });

  it('fails with a GitError without the token, and never echoes a wrong one', async () => {
    await expect(syncMirror(cache('http-none'), 11, { repoUrl: server.url('shop.git'), authMethod: 'none' })).rejects.toThrow(GitError);
    const wrong = 'ghp_WrongToken0987654321';
    const error = await rejectionOf<GitError>(syncMirror(cache('http-wrong'), 12, { repoUrl: server.url('shop.git'), authMethod: 'token', secret: wrong }));
    expect(error).toBeInstanceOf(GitError);
    expect(error.message).toMatch(/^cloning http:\/\/127\.0\.0\.1:\d+\/shop\.git failed: /);
    expect(error.message).not.toContain(wrong);
    expect(error.message).not.toContain(Buffer.from(`x-access-token:${wrong}`).toString('base64'));
  });

  it('redacts a password embedded in the URL', async () => {
    const url = server.url('missing.git').replace('http://', 'http://deploy:hunter2-password@');
    const error = await rejectionOf<GitError>(syncMirror(cache('http-userinfo'), 13, { repoUrl: url, authMethod: 'none' }));
    expect(error).toBeInstanceOf(GitError);
    expect(error.message).not.toContain('hunter2-password');
  });
});

describe('ssh authentication', () => {
  const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACDummyDummyDummyDummyDummyDummyDummyDummy0000000000000000000\n-----END OPENSSH PRIVATE KEY-----';

  it('fails to reach an unreachable host with a redacted GitError and removes the key file', async () => {
    const sshDirs = async () => (await readdir(tmpdir())).filter((name) => name.startsWith('qatron-ssh-'));
    const before = await sshDirs();
    const error = await rejectionOf<GitError>(syncMirror(cache('ssh'), 20, { repoUrl: 'ssh://git@127.0.0.1:1/x.git', authMethod: 'ssh', secret: key }));
    expect(error).toBeInstanceOf(GitError);
    expect(error.message).toMatch(/^cloning ssh:\/\/git@127\.0\.0\.1:1\/x\.git failed: /);
    expect(error.message).toMatch(/Connection refused|connect to host/);
    for (const line of key.split('\n').slice(1, -1)) expect(error.message).not.toContain(line);
    expect(await sshDirs()).toEqual(before);
  });
});

describe('resolveCommit', () => {
  let mirror: string;
  beforeAll(async () => {
    mirror = await syncMirror(cache('resolve'), 30, { repoUrl: repo.path, authMethod: 'none' });
  });

  it('resolves a branch head, a full sha and an abbreviated sha to the full sha', async () => {
    const head = await resolveCommit(mirror, { branch: 'main' });
    expect(head).toMatch(/^[0-9a-f]{40}$/);
    expect(await resolveCommit(mirror, { branch: 'main', commit: repo.commit })).toBe(repo.commit);
    expect(await resolveCommit(mirror, { branch: 'main', commit: repo.commit.slice(0, 8) })).toBe(repo.commit);
    expect(await resolveCommit(mirror, { branch: 'main', commit: repo.commit.toUpperCase() })).toBe(repo.commit);
    expect(await resolveCommit(mirror, { branch: 'main', commit: null })).toBe(head);
  });

  it('names an unknown branch or commit', async () => {
    await expect(resolveCommit(mirror, { branch: 'release/9.9' })).rejects.toThrow('branch release/9.9 not found in the repository');
    await expect(resolveCommit(mirror, { branch: 'main', commit: 'deadbeefdeadbeef' })).rejects.toThrow('commit deadbeefdeadbeef not found in the repository');
    await expect(resolveCommit(mirror, { branch: 'main', commit: 'HEAD~1' })).rejects.toThrow('is not a commit id');
    await expect(resolveCommit(mirror, { branch: '--all' })).rejects.toThrow('is not a valid branch name');
  });
});

describe('materialize', () => {
  let mirror: string;
  beforeAll(async () => {
    mirror = await syncMirror(cache('materialize'), 40, { repoUrl: repo.path, authMethod: 'none' });
  });

  it('writes the tree of the commit, without a .git directory', async () => {
    const dest = join(base, 'checkout-1');
    await materialize(mirror, repo.commit, dest);
    expect((await readdir(dest)).sort()).toEqual(['README.md', 'features', 'pytest.ini', 'requirements.txt', 'src', 'tests']);
    expect(await readFile(join(dest, 'features', 'checkout.feature'), 'utf8')).toContain('Scenario Outline: Discounted totals');
    // The commit is the first one: the file added later by another test is absent.
    expect(await readdir(join(dest, 'tests'))).not.toContain('test_more.py');
  });

  it('accepts an existing empty directory and refuses a non-empty one', async () => {
    const dest = join(base, 'checkout-2');
    await mkdir(dest);
    await materialize(mirror, repo.commit, dest);
    await expect(materialize(mirror, repo.commit, dest)).rejects.toThrow('is not empty');
    const other = join(base, 'checkout-3');
    await mkdir(other);
    await writeFile(join(other, 'leftover'), '');
    await expect(materialize(mirror, repo.commit, other)).rejects.toThrow(GitError);
  });

  it('fails with a GitError for a commit the mirror does not have', async () => {
    await expect(materialize(mirror, '0123456789abcdef0123456789abcdef01234567', join(base, 'checkout-4'))).rejects.toThrow(GitError);
  });
});

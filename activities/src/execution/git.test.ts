import { describe, expect, it } from 'vitest';
import { GitError } from './errors.js';
import { gitEnvironment, mirrorPath, tokenCredential } from './git.js';

const worker = { PATH: '/usr/bin:/bin', HOME: '/home/worker', DATABASE_URL: 'postgres://secret@db/qatron', REPO_TOKEN: 'ghp_worker' };

describe('gitEnvironment', () => {
  it('passes nothing of the worker but the basics, and disables prompts', () => {
    const env = gitEnvironment({ repoUrl: 'https://git.example.test/shop.git', authMethod: 'none' }, {}, worker);
    expect(env).toEqual({ PATH: '/usr/bin:/bin', HOME: '/home/worker', GIT_TERMINAL_PROMPT: '0', GCM_INTERACTIVE: 'never', LC_ALL: 'C' });
  });

  it('sends a token as an http.extraHeader through GIT_CONFIG_* variables', () => {
    const env = gitEnvironment({ repoUrl: 'https://git.example.test/shop.git', authMethod: 'token', secret: 'ghp_abc123' }, {}, worker);
    expect(env).toMatchObject({
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.extraHeader',
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from('x-access-token:ghp_abc123').toString('base64')}`,
    });
    expect(tokenCredential('ghp_abc123')).toBe('eC1hY2Nlc3MtdG9rZW46Z2hwX2FiYzEyMw==');
  });

  it('uses only the given key for ssh, accepting new host keys into the cache', () => {
    const env = gitEnvironment({ repoUrl: 'ssh://git@git.example.test/shop.git', authMethod: 'ssh', secret: 'KEY' }, { keyFile: "/tmp/qatron-ssh-x/id", knownHostsFile: '/cache/known_hosts' }, worker);
    expect(env.GIT_SSH_COMMAND).toBe(
      "ssh -i '/tmp/qatron-ssh-x/id' -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o ConnectTimeout=20 -o 'UserKnownHostsFile=/cache/known_hosts'",
    );
    expect(JSON.stringify(env)).not.toContain('KEY');
  });

  it('refuses token or ssh auth without the secret', () => {
    expect(() => gitEnvironment({ repoUrl: 'https://x.test/r.git', authMethod: 'token' }, {}, worker)).toThrow(GitError);
    expect(() => gitEnvironment({ repoUrl: 'ssh://x.test/r.git', authMethod: 'ssh', secret: 'k' }, {}, worker)).toThrow(GitError);
  });
});

describe('mirrorPath', () => {
  it('is keyed by project and URL', () => {
    const a = mirrorPath('/cache', 7, 'https://git.example.test/shop.git');
    expect(a).toMatch(/^\/cache\/7-[0-9a-f]{12}\.git$/);
    expect(mirrorPath('/cache', 7, 'https://git.example.test/shop.git')).toBe(a);
    expect(mirrorPath('/cache', 7, 'https://git.example.test/other.git')).not.toBe(a);
    expect(mirrorPath('/cache', 8, 'https://git.example.test/shop.git')).not.toBe(a);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '@qatron/api/testing/harness';
import { ApiClient } from '../client.js';
import { main } from '../main.js';
import { Output } from '../output.js';
import { passwd } from './passwd.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api?.close());

/**
 * Runs `qatron passwd` on a terminal that types `answers`, one per prompt, as a person would;
 * resolves to the exit code (or the error), what was shown on stderr, and stdout.
 */
async function runPasswd(token: string, answers: string[], env: Record<string, string> = {}, isTTY = true) {
  const stdin = Object.assign(new PassThrough(), { isTTY });
  const out: string[] = [];
  const err: string[] = [];
  const stdout = { write: (s: string) => out.push(s) };
  const stderr = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const text = chunk.toString();
      err.push(text);
      if (text.endsWith(': ')) setImmediate(() => stdin.write(`${answers.shift() ?? ''}\n`));
      done();
    },
  });
  const ctx = { args: [], options: {}, client: new ApiClient({ url: api.url, token }), config: {}, output: new Output('table', stdout, stderr), io: { stdout, stderr, stdin, isTTY }, env } as any;
  const result = await passwd.run(ctx).catch((error: Error) => error);
  return { result, stderr: err.join(''), stdout: out.join('') };
}

describe('qatron passwd', () => {
  it('asks for the current password and the new one twice, without echo, and changes it', async () => {
    const { user, token } = await api.userWithToken('viewer');
    const { result, stderr, stdout } = await runPasswd(token, ['password123', 'brand-new-pass', 'brand-new-pass']);
    expect(result).toBe(0);
    // eslint-disable-next-line no-control-regex
    expect(stderr.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '')).toBe('Current password: \nNew password: \nNew password again: \n');
    expect(stdout).toBe('Password changed\n');
    expect(stderr + stdout).not.toContain('brand-new-pass');
    expect((await api.request('POST', '/api/v1/auth/login', { form: { username: user.username, password: 'brand-new-pass' } })).status).toBe(200);
  });

  it('changes nothing when the two new passwords differ', async () => {
    const { user, token } = await api.userWithToken('viewer');
    const { result } = await runPasswd(token, ['password123', 'brand-new-pass', 'brand-new-typo']);
    expect((result as Error).message).toBe('the two new passwords differ; nothing was changed');
    expect((await api.request('POST', '/api/v1/auth/login', { form: { username: user.username, password: 'password123' } })).status).toBe(200);
  });

  it("shows the API's refusal of a wrong current password", async () => {
    const { token } = await api.userWithToken('viewer');
    const { result } = await runPasswd(token, ['not-my-password', 'brand-new-pass', 'brand-new-pass']);
    expect((result as Error).message).toContain('current_password: is not the current password');
  });

  it('reads QATRON_PASSWORD and QATRON_NEW_PASSWORD without a terminal, and refuses to prompt on none', async () => {
    const { token } = await api.userWithToken('viewer');
    expect((await runPasswd(token, [], { QATRON_PASSWORD: 'password123', QATRON_NEW_PASSWORD: 'from-the-env-1' }, false)).result).toBe(0);
    const { result } = await runPasswd(token, [], {}, false);
    expect((result as Error).message).toBe('no terminal to prompt on: set QATRON_PASSWORD (current) and QATRON_NEW_PASSWORD');
  });

  it('is the way out of a forced change after an admin reset', async () => {
    const { user } = await api.userWithToken('user');
    const admin = await api.login('admin', 'admin');
    expect((await api.request('POST', `/api/v1/users/${user.id}/password`, { token: admin, json: { new_password: 'temporary-1234' } })).status).toBe(204);
    const token = await api.login(user.username, 'temporary-1234');
    expect((await api.request('GET', '/api/v1/auth/me', { token })).status).toBe(403);
    expect((await runPasswd(token, ['temporary-1234', 'my-own-choice-1', 'my-own-choice-1'])).result).toBe(0);
    expect((await api.request('GET', '/api/v1/auth/me', { token })).status).toBe(200);
  });

  it('qatron login keeps the session of a user who must change the password and points to qatron passwd', async () => {
    const { user } = await api.userWithToken('user');
    const admin = await api.login('admin', 'admin');
    await api.request('POST', `/api/v1/users/${user.id}/password`, { token: admin, json: { new_password: 'temporary-1234' } });
    const configDir = await mkdtemp(join(tmpdir(), 'qatron-passwd-login-'));
    let stdout = '';
    let stderr = '';
    const io = { stdout: { write: (s: string) => ((stdout += s), true) }, stderr: { write: (s: string) => ((stderr += s), true) }, stdin: { isTTY: false } } as any;
    const code = await main(['login', '--url', api.url, '--username', user.username, '--password', 'temporary-1234'], { QATRON_CONFIG_DIR: configDir }, io);
    await rm(configDir, { recursive: true, force: true });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toBe(`Logged in to ${api.url} as ${user.username}; an admin reset your password: run \`qatron passwd\` to choose a new one before anything else\n`);
  });
});

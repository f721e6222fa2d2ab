import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { boardUrlOf, configDir, deleteCredentials, loadConfig, readCredentials, resolveConfig, writeCredentials } from './config.js';

const dirs: string[] = [];
async function tempDir() {
  const dir = await mkdtemp(join(tmpdir(), 'qatron-cli-config-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('config directory', () => {
  it('prefers QATRON_CONFIG_DIR, then XDG_CONFIG_HOME, then ~/.config', () => {
    expect(configDir({ QATRON_CONFIG_DIR: '/c', XDG_CONFIG_HOME: '/x', HOME: '/h' })).toBe('/c');
    expect(configDir({ XDG_CONFIG_HOME: '/x', HOME: '/h' })).toBe('/x/qatron');
    expect(configDir({ HOME: '/h' })).toBe('/h/.config/qatron');
  });
});

describe('credentials file', () => {
  it('is written 0600 in a 0700 directory and read back', async () => {
    const dir = join(await tempDir(), 'nested', 'qatron');
    const file = await writeCredentials(dir, { url: 'http://api:8000', token: 't', token_type: 'session' });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ url: 'http://api:8000', token: 't', token_type: 'session' });
    expect(await readCredentials(dir)).toEqual({ url: 'http://api:8000', token: 't', token_type: 'session' });
    expect(await deleteCredentials(dir)).toBe(true);
    expect(await readCredentials(dir)).toBeNull();
    expect(await deleteCredentials(dir)).toBe(false);
  });
});

describe('precedence', () => {
  const file = { url: 'http://file:8000', token: 'file-token', token_type: 'session' as const };

  it('takes flags over the environment over the file', () => {
    const env = { QATRON_API_URL: 'http://env:8000', QATRON_SERVICE_TOKEN: 'env-service', QATRON_TOKEN: 'env-token' };
    expect(resolveConfig({ url: 'http://flag/', token: 'flag-token' }, env, file, '/d')).toMatchObject({ url: 'http://flag', token: 'flag-token', tokenSource: 'flag' });
    expect(resolveConfig({}, env, file, '/d')).toMatchObject({ url: 'http://env:8000', token: 'env-service', tokenType: 'service', tokenSource: 'env' });
    expect(resolveConfig({}, { QATRON_TOKEN: 'env-token' }, file, '/d')).toMatchObject({ url: 'http://file:8000', token: 'env-token', tokenSource: 'env' });
    expect(resolveConfig({}, {}, file, '/d')).toMatchObject({ url: 'http://file:8000', token: 'file-token', tokenType: 'session', tokenSource: 'file' });
  });

  it('never sends the stored token to another URL', () => {
    expect(resolveConfig({ url: 'http://elsewhere' }, {}, file, '/d')).toMatchObject({ url: 'http://elsewhere', token: null });
    expect(resolveConfig({ url: 'http://file:8000/' }, {}, file, '/d')).toMatchObject({ token: 'file-token' });
  });

  it('loads the file from QATRON_CONFIG_DIR', async () => {
    const dir = await tempDir();
    await writeCredentials(dir, file);
    expect(await loadConfig({}, { QATRON_CONFIG_DIR: dir })).toMatchObject({ url: 'http://file:8000', token: 'file-token', boardUrl: 'http://file:3000' });
  });
});

describe('board URL', () => {
  it('is QATRON_BOARD_URL, else the API URL with port 8000 turned into 3000', () => {
    expect(boardUrlOf('http://localhost:8000', {})).toBe('http://localhost:3000');
    expect(boardUrlOf('https://qatron.example.com', {})).toBe('https://qatron.example.com');
    expect(boardUrlOf('http://localhost:8000', { QATRON_BOARD_URL: 'https://board/' })).toBe('https://board');
    expect(boardUrlOf(null, {})).toBeNull();
  });
});

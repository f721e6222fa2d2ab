import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, databaseUrlOf, EMBEDDED_DATABASE, embeddedDatabasePasswordFile, loadConfig } from './config.js';

const homes: string[] = [];
async function home(password?: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'qatron-config-'));
  homes.push(dir);
  if (password !== undefined) {
    await mkdir(join(dir, 'secrets'), { mode: 0o700 });
    await writeFile(embeddedDatabasePasswordFile(dir), `${password}\n`, { mode: 0o600 });
  }
  return dir;
}

afterAll(async () => {
  await Promise.all(homes.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('databaseUrlOf', () => {
  it('is DATABASE_URL when set', async () => {
    const config = loadConfig({ DATABASE_URL: 'postgresql://u:p@db:5432/x', QATRON_HOME: await home() });
    expect(databaseUrlOf(config)).toBe('postgresql://u:p@db:5432/x');
  });

  it("is the embedded database with the password generated in QATRON_HOME, not a constant", async () => {
    const config = loadConfig({ QATRON_HOME: await home('s3cr3t/+=x'), EMBEDDED_PG_PORT: '5555' });
    expect(embeddedDatabasePasswordFile(config.home)).toBe(join(config.home, 'secrets', 'postgres-password'));
    expect(databaseUrlOf(config)).toBe('postgresql://qatron:s3cr3t%2F%2B%3Dx@127.0.0.1:5555/qatron');
    expect(EMBEDDED_DATABASE).not.toHaveProperty('password');
  });

  it('refuses to guess when the embedded stack has never started in QATRON_HOME', async () => {
    const config = loadConfig({ QATRON_HOME: await home() });
    expect(() => databaseUrlOf(config)).toThrow(ConfigError);
    expect(() => databaseUrlOf(config)).toThrow(/no embedded database password can be read from .*secrets\/postgres-password/);
    const empty = loadConfig({ QATRON_HOME: await home('') });
    expect(() => databaseUrlOf(empty)).toThrow(ConfigError);
  });
});

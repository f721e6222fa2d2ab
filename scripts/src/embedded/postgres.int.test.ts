import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './postgres.js';
import { freePort } from '../testing/ports.js';

/**
 * The embedded PostgreSQL's credential and data directory (issue 13 items 4 and 5), with a real
 * server: the password is generated at first start into a 0600 file, never the old constant; a
 * cluster still on the old constant is moved to a generated one; the data stays where it was put.
 */
let home: string;
let port: number;
const running: EmbeddedPostgres[] = [];

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'qatron-pg-home-'));
  port = await freePort();
});

afterAll(async () => {
  await Promise.allSettled(running.map((p) => p.stop(5_000)));
  await rm(home, { recursive: true, force: true });
});

const options = () => ({ dataDir: join(home, 'postgres'), port, logFile: join(home, 'logs', 'postgres.log'), ephemeral: true });
async function start(say?: (line: string) => void): Promise<EmbeddedPostgres> {
  const pgServer = await startEmbeddedPostgres({ ...options(), say });
  running.push(pgServer);
  return pgServer;
}
async function stop(server: EmbeddedPostgres): Promise<void> {
  await server.stop(10_000);
  running.splice(running.indexOf(server), 1);
}

/** The SQLSTATE of connecting with `password`, or 'ok'. */
async function connectWith(password: string): Promise<string> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'qatron', database: 'postgres', password });
  try {
    await client.connect();
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe('embedded PostgreSQL', () => {
  it('generates its password at first start, keeps it 0600 in a 0700 directory, and refuses the old constant', async () => {
    const server = await start();
    const file = join(home, 'secrets', 'postgres-password');
    const password = (await readFile(file, 'utf8')).trim();
    expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(home, 'secrets'))).mode & 0o777).toBe(0o700);
    expect((await stat(file)).uid).toBe(userInfo().uid);
    expect(server.url('qatron')).toContain(encodeURIComponent(password));
    expect(await connectWith(password)).toBe('ok');
    expect(await connectWith('qatron')).toBe('28P01');
    // initdb's password file is gone, and the password is in no file of the system temp directory.
    expect((await readdir(home)).filter((name) => name.startsWith('.initdb-'))).toEqual([]);
    for (const name of (await readdir(tmpdir())).filter((n) => n.startsWith('qatron-pg-'))) {
      expect(await readFile(join(tmpdir(), name), 'utf8').catch(() => '')).not.toContain(password);
    }
    // The cluster is where it was asked to be, not moved elsewhere behind a symlink.
    expect((await lstat(join(home, 'postgres'))).isDirectory()).toBe(true);
    await stop(server);
  });

  it('replaces the old constant password of an existing cluster with a generated one', async () => {
    const server = await start();
    const client = new pg.Client(server.url('postgres'));
    await client.connect();
    await client.query(`alter role qatron password 'qatron'`);
    await client.end();
    await stop(server);
    await rm(join(home, 'secrets'), { recursive: true });

    const said: string[] = [];
    await start((line) => said.push(line));
    const password = (await readFile(join(home, 'secrets', 'postgres-password'), 'utf8')).trim();
    expect(said.join('\n')).toMatch(/replaced the embedded database's old default password with a generated one/);
    expect(password).not.toBe('qatron');
    expect(await connectWith(password)).toBe('ok');
    expect(await connectWith('qatron')).toBe('28P01');
    await stop(running[0]!);
  });

  it.runIf(userInfo().uid === 0)('as root, brings a cluster back from /var/lib/qatron into its data directory', async () => {
    const relocated = `/var/lib/qatron/data-test-${randomBytes(4).toString('hex')}`;
    await mkdir('/var/lib/qatron', { recursive: true });
    execFileSync('mv', [join(home, 'postgres'), relocated]);
    await symlink(relocated, join(home, 'postgres'));
    try {
      const said: string[] = [];
      const server = await start((line) => said.push(line));
      expect(said.join('\n')).toContain(`moved the PostgreSQL data from ${relocated} back to ${join(home, 'postgres')}`);
      expect((await lstat(join(home, 'postgres'))).isDirectory()).toBe(true);
      expect((await stat(join(home, 'postgres'))).uid).not.toBe(0);
      expect(await connectWith((await readFile(join(home, 'secrets', 'postgres-password'), 'utf8')).trim())).toBe('ok');
      await stop(server);
    } finally {
      await rm(relocated, { recursive: true, force: true });
    }
  });
});

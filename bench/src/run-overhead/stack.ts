/**
 * The run-overhead bench's own stack, loopback only: an embedded PostgreSQL and a Temporal dev
 * server on free ports with their state in a temporary directory, the API in this process (with
 * the run engine), and worker processes (`node --import tsx worker/src/main.ts`) whose cache
 * (git mirrors, venvs) lives under .tools/cache/bench-worker so that it survives bench runs.
 * Everything started is stopped by close(), in reverse order, also after a partial start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { connectDatabase, migrate, type MikroORM } from '@qatron/domain/db';
import { loadConfig, seedDefaults, type QatronConfig } from '@qatron/domain';
import { buildApiDeps, startApiServer, type ApiServer } from '@qatron/api/server';
import { ensureDatabase, startEmbeddedPostgres } from '@qatron/scripts/embedded/postgres';
import { REPO_ROOT, startEmbeddedTemporal } from '@qatron/scripts/embedded/temporal';
import { TEST_LOCAL_REPO_ROOTS } from '@qatron/scripts/testing/local-repo-roots';
import { freePort } from '@qatron/scripts/testing/ports';

/** Worker cache shared by bench runs (ignored by git, like the e2e workers' cache). */
export const BENCH_WORKER_CACHE = join(REPO_ROOT, '.tools', 'cache', 'bench-worker');
const DATABASE = 'qatron_bench';

export interface WorkerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly logFile: string;
  /** SIGTERM to the process group (graceful shutdown), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface BenchStack {
  readonly api: ApiServer;
  readonly orm: MikroORM;
  readonly config: QatronConfig;
  readonly temporal: Client;
  readonly databaseUrl: string;
  readonly temporalAddress: string;
  readonly workers: WorkerProcess[];
  /** What the API logged as errors. */
  readonly apiErrors: string[];
  /** Logs in as admin/admin (seeded) and returns the access token. */
  adminToken(): Promise<string>;
  /** Stops everything started so far (workers, API, Temporal, PostgreSQL), newest first. */
  close(): Promise<void>;
}

const live = new Set<ChildProcess>();

/** SIGKILLs the process group of every worker still running (a second Ctrl-C). */
export function killWorkers(): void {
  for (const child of live) {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/** Spawns a worker process and waits until it polls its task queues. */
async function startWorkerProcess(name: string, env: NodeJS.ProcessEnv, logDir: string, signal: AbortSignal): Promise<WorkerProcess> {
  const logFile = join(logDir, `${name}.log`);
  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'worker/src/main.ts')], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let output = '';
  const collect = (d: Buffer) => {
    if (output.length < 64 * 1024) output += d.toString();
    log.write(d);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      log.end();
      resolve(code);
    });
    child.once('error', () => resolve(-1));
  });
  const group = (sig: NodeJS.Signals) => {
    try {
      if (child.pid && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, sig);
    } catch {
      /* already gone */
    }
  };
  live.add(child);
  void exited.then(() => live.delete(child));
  const worker: WorkerProcess = {
    name,
    child,
    exited,
    logFile,
    async stop(graceMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      group('SIGTERM');
      const timer = setTimeout(() => group('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + 90_000;
  while (!output.includes(' polling qatron-')) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline || signal.aborted) {
      await worker.stop(2_000);
      throw new Error(`worker ${name} did not start (log: ${logFile}):\n${output.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return worker;
}

export async function startBenchStack(options: { tempDir: string; workers: number; shardSlots: number; signal: AbortSignal; log: (line: string) => void }): Promise<BenchStack> {
  const { tempDir, log, signal } = options;
  const closers: Array<[string, () => Promise<void>]> = [];
  const workers: WorkerProcess[] = [];
  const apiErrors: string[] = [];
  const close = async () => {
    for (const [what, closer] of closers.reverse()) {
      await closer().catch((err: unknown) => console.error(`stopping ${what}: ${(err as Error).message}`));
    }
    closers.length = 0;
  };
  const checkpoint = () => {
    if (signal.aborted) throw new Error('interrupted while starting the stack');
  };
  try {
    const [pgPort, temporalPort] = [await freePort(), await freePort()];
    const postgres = await startEmbeddedPostgres({ dataDir: join(tempDir, 'pg'), port: pgPort, logFile: join(tempDir, 'logs', 'postgres.log') });
    closers.push(['PostgreSQL', () => postgres.stop()]);
    await ensureDatabase(postgres.url('postgres'), DATABASE);
    const databaseUrl = postgres.url(DATABASE);
    log(`PostgreSQL on 127.0.0.1:${pgPort} (durable settings, data in ${join(tempDir, 'pg')})`);

    checkpoint();
    const temporalServer = await startEmbeddedTemporal({ dbFile: join(tempDir, 'temporal', 'temporal.db'), port: temporalPort, logFile: join(tempDir, 'logs', 'temporal.log') });
    closers.push(['the Temporal dev server', () => temporalServer.stop()]);
    log(`Temporal dev server on ${temporalServer.address}`);

    checkpoint();
    const orm = await connectDatabase(databaseUrl, { pool: { min: 0, max: 10 } });
    closers.push(['the database connection', () => orm.close(true)]);
    await migrate(orm);
    await seedDefaults(orm.em.fork(), { env: 'development', adminPassword: undefined });

    const artifactDir = join(tempDir, 'artifacts');
    const env = {
      QATRON_ENV: 'development',
      QATRON_HOME: join(tempDir, 'home'),
      API_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalServer.address,
      TEMPORAL_NAMESPACE: 'default',
      ARTIFACT_DIR: artifactDir,
      QATRON_LOCAL_REPO_ROOTS: TEST_LOCAL_REPO_ROOTS,
    };
    const config = loadConfig(env);
    const deps = buildApiDeps(config, orm, randomBytes(48).toString('base64url'), (message, err) => apiErrors.push(`${message}: ${String(err)}`));
    const api = await startApiServer(deps, '127.0.0.1', 0);
    closers.push(['the API', () => api.close()]);
    log(`API in this process on ${api.url} (run engine on ${temporalServer.address}, artifacts in ${artifactDir})`);

    checkpoint();
    const connection = await Connection.connect({ address: temporalServer.address });
    closers.push(['the Temporal client', () => connection.close()]);
    const temporal = new Client({ connection, namespace: 'default' });

    checkpoint();
    await mkdir(BENCH_WORKER_CACHE, { recursive: true });
    const logDir = join(tempDir, 'logs');
    closers.push(['the workers', () => Promise.all(workers.map((w) => w.stop())).then(() => undefined)]);
    const settled = await Promise.allSettled(
      Array.from({ length: options.workers }, (_, i) =>
        startWorkerProcess(
          `bench-worker-${i + 1}`,
          {
            ...process.env,
            ...env,
            QATRON_HOME: join(tempDir, `worker-home-${i + 1}`),
            WORKER_DIR: BENCH_WORKER_CACHE,
            WORKER_NAME: `bench-worker-${i + 1}`,
            WORKER_SHARD_SLOTS: String(options.shardSlots),
            LOG_LEVEL: 'info',
          },
          logDir,
          signal,
        ).then((w) => {
          workers.push(w);
          return w;
        }),
      ),
    );
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    log(`${workers.length} worker processes polling (${options.shardSlots} shard slots each, cache ${BENCH_WORKER_CACHE}, logs in ${logDir})`);

    return {
      api,
      orm,
      config,
      temporal,
      databaseUrl,
      temporalAddress: temporalServer.address,
      workers,
      apiErrors,
      async adminToken() {
        const res = await fetch(`${api.url}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ username: 'admin', password: 'admin' }),
        });
        if (res.status !== 200) throw new Error(`login as admin failed: ${res.status} ${await res.text()}`);
        return ((await res.json()) as { access_token: string }).access_token;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

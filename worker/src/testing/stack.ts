import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { startTestApi, type TestApi } from '@qatron/api/testing/harness';
import { isFinalStatus } from '@qatron/domain';
import { REPO_ROOT } from '@qatron/scripts/embedded/temporal';
import { TEST_LOCAL_REPO_ROOTS } from '@qatron/scripts/testing/local-repo-roots';
import { freshTemporalNamespace } from '@qatron/scripts/testing/temporal-namespace';
import { recordHistories } from './histories.js';

/**
 * Where e2e workers keep git mirrors and venvs: shared across test files and runs (ignored by git),
 * one per e2e lane (vitest.config.ts): lanes run side by side on databases whose run ids both start
 * at 1, and a worker's run directories are named by run id.
 */
export const E2E_WORKER_CACHE = join(REPO_ROOT, '.tools', 'cache', process.env.QATRON_E2E_LANE ? `e2e-worker-${process.env.QATRON_E2E_LANE}` : 'e2e-worker');

export interface WorkerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  /** SIGTERM and wait (graceful shutdown). */
  stop(): Promise<void>;
  /** SIGKILL the worker and its children, as a crashed machine would. */
  kill(): Promise<void>;
}

/**
 * The engine end to end: a real API (with the run engine) on its own database, and worker
 * processes on the shared Temporal dev server, in a Temporal namespace of their own so that
 * test files cannot pick up each other's workflows.
 */
export interface EngineStack {
  api: TestApi;
  namespace: string;
  adminToken: string;
  workers: WorkerProcess[];
  startWorker(options?: { name?: string; env?: Record<string, string> }): Promise<WorkerProcess>;
  /** Triggers a run as admin (`POST /api/v1/runs` body) and polls it until its status is final; returns the run. */
  runToEnd(trigger: Record<string, unknown>, timeoutMs?: number): Promise<any>;
  close(): Promise<void>;
}


export async function startEngineStack(options: { env?: Record<string, string>; databaseUrl?: string } = {}): Promise<EngineStack> {
  const temporalAddress = inject('temporalAddress');
  const namespace = await freshTemporalNamespace(temporalAddress);
  const env = {
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: namespace,
    SHARD_HEARTBEAT_TIMEOUT_SECONDS: '6',
    HEARTBEAT_INTERVAL_SECONDS: '2',
    ...options.env,
  };
  const api = await startTestApi(env, { databaseUrl: options.databaseUrl });
  const adminToken = await api.login('admin', 'admin');
  const logs = await mkdtemp(join(tmpdir(), 'qatron-worker-logs-'));
  await mkdir(E2E_WORKER_CACHE, { recursive: true });
  const workers: WorkerProcess[] = [];
  const artifactDir = api.config.artifacts.kind === 'local' ? api.config.artifacts.directory : '';

  async function startWorker(workerOptions: { name?: string; env?: Record<string, string> } = {}): Promise<WorkerProcess> {
    const name = workerOptions.name ?? `worker-${workers.length + 1}`;
    const log = createWriteStream(join(logs, `${name}.log`));
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'worker/src/main.ts')], {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        QATRON_LOCAL_REPO_ROOTS: TEST_LOCAL_REPO_ROOTS,
        ...env,
        DATABASE_URL: api.databaseUrl,
        ARTIFACT_DIR: artifactDir,
        WORKER_DIR: E2E_WORKER_CACHE,
        WORKER_NAME: name,
        WORKER_SHARD_SLOTS: '2',
        QATRON_HOME: logs,
        ...workerOptions.env,
      },
    });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
      log.write(d);
    });
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
      log.write(d);
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    while (!output.includes(' polling qatron-')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`worker ${name} did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        /* already gone */
      }
    };
    const worker: WorkerProcess = {
      name,
      child,
      exited,
      async stop() {
        if (child.exitCode !== null) return;
        signalGroup('SIGTERM');
        const timer = setTimeout(() => signalGroup('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      },
      async kill() {
        signalGroup('SIGKILL');
        await exited;
      },
    };
    workers.push(worker);
    return worker;
  }

  return {
    api,
    namespace,
    adminToken,
    workers,
    startWorker,
    async runToEnd(trigger, timeoutMs = 150_000) {
      const created = await api.request('POST', '/api/v1/runs', { token: adminToken, json: trigger });
      if (created.status !== 201) throw new Error(`run not created: ${created.status} ${JSON.stringify(created.body)}`);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const res = await api.request('GET', `/api/v1/runs/${created.body.id}`, { token: adminToken });
        // The verdict comes first; the report attaches after it (report_status leaves `pending`).
        if (isFinalStatus(res.body.status) && res.body.report_status !== 'pending') return res.body;
        if (Date.now() > deadline) throw new Error(`run ${created.body.id} did not finish within ${timeoutMs} ms (status ${res.body.status})`);
        await new Promise((r) => setTimeout(r, 300));
      }
    },
    async close() {
      // Opt-in (README "Replay tests"): every history this stack ran, to pick new workflows/histories/ from.
      const recordTo = process.env.QATRON_RECORD_HISTORIES;
      if (recordTo) await recordHistories(temporalAddress, namespace, recordTo).catch((err: unknown) => console.error(`recording the workflow histories failed: ${(err as Error).message}`));
      await Promise.all(workers.map((w) => w.stop()));
      await api.close();
      await rm(logs, { recursive: true, force: true });
    },
  };
}

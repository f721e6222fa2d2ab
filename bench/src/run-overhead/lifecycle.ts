import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { mirrorPath } from '@qatron/activities/execution/index';
import { killAll } from '../shard-plan/process.js';
import { Interrupted } from './measure.js';
import { BENCH_WORKER_CACHE, killWorkers } from './stack.js';

/**
 * What a bench that pushes runs through the bench stack leaves behind: the project's git mirror
 * (and its lock), each run's directory in the worker cache, and its temporary directory (kept with
 * `--keep`, and said so).
 */
export async function removeBenchLeftovers(project: { id: number; repoUrl: string } | undefined, runIds: readonly number[], tempDir: string): Promise<void> {
  if (project) {
    const mirror = mirrorPath(join(BENCH_WORKER_CACHE, 'git'), project.id, project.repoUrl);
    await rm(mirror, { recursive: true, force: true });
    await rm(`${mirror}.lock`, { force: true });
  }
  for (const id of runIds) await rm(join(BENCH_WORKER_CACHE, 'runs', String(id)), { recursive: true, force: true });
  if (process.argv.includes('--keep')) console.error(`kept ${tempDir}`);
  else await rm(tempDir, { recursive: true, force: true });
}

/**
 * Runs a bench's `main` and exits with its code. An error escaping from a callback (a library's
 * timer) or a first Ctrl-C stops the bench through `interrupt`, so that `main`'s `finally` still
 * stops PostgreSQL, Temporal and the workers; a second Ctrl-C kills everything at once.
 */
export function runBenchMain(main: () => Promise<number>, interrupt: AbortController): void {
  let crashed = false;
  for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
    process.on(event, (err: unknown) => {
      console.error(`${event} (stopping the bench):`, err);
      crashed = true;
      interrupt.abort();
    });
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupt.signal.aborted) {
        killWorkers();
        killAll();
        process.exit(130);
      }
      console.error(`\n${signal}: stopping everything (again to kill at once)`);
      killAll();
      interrupt.abort();
    });
  }
  main().then(
    (code) => process.exit(crashed ? 1 : code),
    (err: unknown) => {
      const interrupted = !crashed && (err instanceof Interrupted || interrupt.signal.aborted);
      console.error(interrupted ? 'interrupted; everything stopped and removed' : err);
      process.exit(interrupted ? 130 : 1);
    },
  );
}

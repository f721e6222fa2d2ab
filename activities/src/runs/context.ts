/**
 * What the run activities share (samples-typescript "activities-dependency-injection"): the
 * worker's dependencies plus the few helpers every activity module uses. Built once per worker by
 * `createRunContext(deps)` and passed to each module's factory.
 */
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { Environment, Project, Run, Suite } from '@qatron/domain';
import type { ActivityDeps } from '../deps.js';
import { withFileLock } from '../execution/file-lock.js';
import { materialize, syncMirror } from '../execution/git.js';
import { ensureEnvironment, type PythonEnvironment } from '../execution/python-env.js';
import { repositoryAccess } from '../execution/repository.js';
import { activityFailure, asActivityFailure } from '../failures.js';

/** How often long activity work heartbeats, so cancellation and a dead worker are noticed within seconds. */
export const KEEPALIVE_HEARTBEAT_MS = 2000;
const CHECKOUT_READY = '.ready';

export type RunContext = ReturnType<typeof createRunContext>;

export function createRunContext(deps: ActivityDeps) {
  const em = () => deps.orm.em.fork();

  /** The run with its project, suite and environment; a run that does not exist fails for good. */
  async function loadRun(runId: number) {
    const db = em();
    const run = await db.findOne(Run, { id: runId });
    if (!run) throw activityFailure('RunNotFound', `run ${runId} does not exist`);
    const [project, suite, environment] = await Promise.all([
      db.findOneOrFail(Project, { id: run.project }),
      db.findOneOrFail(Suite, { id: run.suite }),
      db.findOneOrFail(Environment, { id: run.environment }),
    ]);
    return { db, run, project, suite, environment };
  }

  /** The run's Python environment: what the repository declares, or the suite's install command and Python version. */
  function runEnvironment(checkout: string, suite: Suite, signal: AbortSignal): Promise<PythonEnvironment> {
    return ensureEnvironment(checkout, deps.workDir, {
      frameworkDir: deps.frameworkDir,
      pythons: deps.pythons,
      installCommand: suite.installCommand,
      pythonVersion: suite.pythonVersion,
      signal,
    });
  }

  /** Heartbeats on a timer while slow work (clone, pip) runs, so cancellation and crashes are noticed. */
  async function withKeepalive<T>(details: unknown, work: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => Context.current().heartbeat(details), KEEPALIVE_HEARTBEAT_MS);
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }

  /**
   * The run's checkout at `commit` on this worker, shared by its shards here (DESIGN: one checkout
   * and one environment per worker and run): materialized once under a lock, in a directory
   * renamed into place when complete. The project's mirror is synced first.
   */
  async function sharedCheckout(project: Project, runId: number, commit: string, signal: AbortSignal): Promise<{ dir: string; secrets: string[] }> {
    const repo = repositoryAccess(project, deps.secrets);
    const dir = join(runDirectory(runId), `checkout-${commit.slice(0, 12)}`);
    // The marker sits beside the checkout, not in it: the tests see the repository as it is.
    const ready = () => stat(`${dir}${CHECKOUT_READY}`).then(() => true, () => false);
    if (await ready()) return { dir, secrets: repo.secrets };
    const mirror = await syncMirror(join(deps.workDir, 'git'), project.id, repo.access, signal, commit);
    await mkdir(runDirectory(runId), { recursive: true });
    await withFileLock(
      `${dir}.lock`,
      async () => {
        if (await ready()) return;
        const partial = `${dir}.partial`;
        await rm(partial, { recursive: true, force: true });
        await rm(dir, { recursive: true, force: true });
        await materialize(mirror, commit, partial, signal);
        await rename(partial, dir);
        await writeFile(`${dir}${CHECKOUT_READY}`, `${commit}\n`);
      },
      { signal },
    );
    return { dir, secrets: repo.secrets };
  }

  /** Where this worker keeps a run's checkout and shard work trees. */
  function runDirectory(runId: number): string {
    return join(deps.workDir, 'runs', String(runId));
  }

  /**
   * Known execution errors keep their type: the ones a retry cannot fix (the contract's
   * NON_RETRYABLE_ERRORS) end the run at once; git errors (often a network hiccup) are retried.
   */
  const asFailure = (err: unknown, secrets: string[]) => asActivityFailure(err, { secrets });

  return { deps, em, loadRun, runEnvironment, withKeepalive, sharedCheckout, runDirectory, asFailure };
}
